//! A gateway process (`tests/bin/slow_gateway.rs`, or another) started for
//! a test, with its environment, its port, and its stdout and stderr read
//! line by line.
//! Included with `#[path]` by the tests that need a real process.
// Each test uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One line the process wrote.
pub enum Line {
    Out(String),
    Err(String),
}

/// The running process; killed when dropped, if it has not exited.
pub struct GatewayProcess {
    child: Child,
    lines: mpsc::Receiver<Line>,
    /// The port it serves on, from its `serving on` log line.
    pub port: u16,
    /// Its stdout and stderr lines read so far.
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl GatewayProcess {
    /// Starts the slow gateway on a free port with `env` set (and
    /// `RUST_LOG=info`), and waits until it serves.
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::start_program(env!("CARGO_BIN_EXE_slow-gateway"), env)
    }

    /// [`GatewayProcess::start`] for another gateway binary.
    pub fn start_program(program: &str, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(program)
            .env("PORT", "0")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("start {program}: {err}"));
        let (tx, lines) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = tx.send(Line::Out(line));
                }
            });
        }
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let _ = tx.send(Line::Err(line));
                }
            });
        }
        let mut process = Self {
            child,
            lines,
            port: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        let serving = process.wait_for_log("serving on http://localhost:", Duration::from_secs(20));
        process.port = serving
            .split_once("serving on http://localhost:")
            .and_then(|(_, rest)| {
                // The line may go on after the port (a JSON log line does).
                let digits = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                rest[..digits].parse().ok()
            })
            .unwrap_or_else(|| panic!("no port in {serving:?}"));
        process
    }

    /// The process id, for signals.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn take(&mut self, line: Line) {
        match line {
            Line::Out(line) => self.stdout.push(line),
            Line::Err(line) => self.stderr.push(line),
        }
    }

    /// Waits until the process logs a line containing `needle` (or has
    /// already), and returns that line.
    pub fn wait_for_log(&mut self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            if let Some(line) = self.stderr.iter().find(|line| line.contains(needle)) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.take(line),
                Err(_) => panic!(
                    "the gateway did not log {needle:?} within {within:?}; its log:\n{}",
                    self.stderr.join("\n")
                ),
            }
        }
    }

    /// Reads every line written so far.
    pub fn read_lines(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.take(line);
        }
    }

    /// Waits for the process to exit on its own, for at most `within`.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the gateway") {
                // Its pipes are closed: every line is in the channel.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
                    self.take(line);
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the gateway still runs after {within:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
