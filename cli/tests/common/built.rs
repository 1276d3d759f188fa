//! Projects made by `gatesmith new`, built and run for real: the shared
//! target folder, the servers they run, the Node client that drives them.
//!
//! Every test project builds into one CARGO_TARGET_DIR under the
//! workspace's target/ (`scaffold-projects`), with the workspace's
//! Cargo.lock, so the runtime's dependencies are compiled once for all of
//! them and never downloaded anew.

use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The gatesmith repository.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is in the repository")
        .to_owned()
}

/// The target folder every test project shares.
pub fn target_dir() -> PathBuf {
    // target/tmp, which cargo gives integration tests, is in the workspace's target/.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("scaffold-projects")
}

/// Runs `gatesmith ARGS` in `dir`, asserting success; returns stdout.
pub fn gatesmith(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_gatesmith"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO")
        .output()
        .expect("run gatesmith");
    assert!(
        output.status.success(),
        "gatesmith {args:?}: {}",
        super::text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `gatesmith new NAME` in `parent`, with the workspace's Cargo.lock copied
/// in (the dependency versions this repository tests, already downloaded).
pub fn new_project(parent: &Path, name: &str) -> PathBuf {
    gatesmith(parent, &["new", name]);
    let dir = parent.join(name);
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    dir
}

/// `cargo build` of the project in `dir`, in the shared target folder.
pub fn cargo_build(dir: &Path) -> Output {
    cargo(dir)
        .args(["build", "--quiet"])
        .output()
        .expect("run cargo build")
}

/// `cargo` for the project in `dir`, with the shared target folder.
pub fn cargo(dir: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        // The test's own build settings are not the project's.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR");
    command
}

/// What a child process wrote to stderr so far, read as it comes.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<String>>);

impl Log {
    /// Reads `from` into the log on a thread of its own, until it closes.
    pub fn capture(from: impl Read + Send + 'static) -> Self {
        let log = Log::default();
        let into = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines() {
                let Ok(line) = line else { break };
                eprintln!("  | {line}");
                let mut text = into.0.lock().unwrap_or_else(|p| p.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
        });
        log
    }

    pub fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until `found` holds for the log, failing the test after `limit`.
    pub fn wait_for<T>(&self, what: &str, limit: Duration, found: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(value) = found(&self.text()) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "waited {limit:?} for {what}; the log:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The ports the servers in `log` said they serve on, in order.
pub fn ports(log: &str) -> Vec<u16> {
    log.match_indices("serving on http://localhost:")
        .filter_map(|(at, prefix)| {
            let rest = &log[at + prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// A project's server, on a free port, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// Starts the binary `name` the shared target folder holds.
    pub fn start(dir: &Path, name: &str) -> Self {
        let mut child = Command::new(target_dir().join("debug").join(name))
            .current_dir(dir)
            .env("PORT", "0")
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let log = Log::capture(child.stderr.take().expect("stderr is piped"));
        let port = log.wait_for("the server's port", Duration::from_secs(30), |text| {
            ports(text).first().copied()
        });
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static NPM: Mutex<()> = Mutex::new(());

/// The folder of the Node tests, its locked packages installed.
pub fn node_dir() -> PathBuf {
    let _one_at_a_time = NPM.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = repo().join("tests/node");
    if !dir.join("node_modules/.package-lock.json").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("run npm (Node 20 and npm must be installed)");
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
    dir
}

/// Runs `node --test FILE` from tests/node against `url`; fails the test
/// with Node's report when any of its tests fail.
pub fn node_test(file: &str, url: &str) {
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", file])
        .env("GATESMITH_URL", url)
        .current_dir(node_dir())
        .output()
        .expect("run node (Node 20 must be installed)");
    assert!(
        output.status.success(),
        "node --test {file} failed:\n{}",
        super::text(&output)
    );
}

/// Emits `event` (with `payload`, JSON, if any) on `url` (namespace
/// included) with the official client; returns the ack as JSON text.
pub fn ack(url: &str, event: &str, payload: Option<&str>) -> String {
    let mut command = Command::new("node");
    command
        .arg("ack.mjs")
        .args([url, event])
        .args(payload)
        .current_dir(node_dir());
    let output = command.output().expect("run node");
    assert!(
        output.status.success(),
        "ack.mjs {url} {event}: {}",
        super::text(&output)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The body of `GET path` from the server at `url` (`http://host:port`),
/// as a browser loading the page gets it.
pub fn get(url: &str, path: &str) -> String {
    let host = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the server");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}
