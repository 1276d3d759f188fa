//! `gatesmith dev`, Nest's `start:dev`: watch the specs, the template
//! overrides and the crate's own sources; on a change, regenerate, rebuild
//! and restart the server. A spec or build error is printed and the last
//! good server keeps running. Ctrl-C (or SIGTERM) stops the server, then
//! `dev` itself.
//!
//! The watcher is `notify` with its full debouncer (a burst of saves is one
//! change, and events keep their kind: reading a file, as cargo reads
//! Cargo.toml and generating reads specs/, is not a change); the build is `cargo build --message-format=json-render-diagnostics`,
//! whose `compiler-artifact` message names the server's executable and says
//! whether it was rebuilt. `dev` runs that executable itself, not `cargo
//! run`, so the server is its own child: stopped with SIGTERM (the gateway's
//! graceful shutdown), waited for, and never left behind.

use std::collections::BTreeSet;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::generate::{Project, plan};
use crate::write::{self, Action};

/// How long saves are gathered into one change.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// How long a stopping server may take to send its last acks.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

enum Message {
    Changed(Vec<PathBuf>),
    Stop,
}

/// Runs the dev loop for `project`, whose crate is its `out` folder, until
/// Ctrl-C or SIGTERM.
pub fn run(project: &Project) -> Result<(), String> {
    let root = std::fs::canonicalize(&project.out)
        .map_err(|err| format!("{}: {err}", project.out.display()))?;
    let manifest = root.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(format!(
            "no Cargo.toml in {}: `gatesmith dev` runs a project made by `gatesmith new` (its `out` is the crate it builds)",
            project.out.display()
        ));
    }
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Message::Stop);
    })
    .map_err(|err| format!("cannot catch Ctrl-C: {err}"))?;
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let paths: Vec<PathBuf> = events
            .into_iter()
            .filter(|event| !matches!(event.kind, EventKind::Access(_)))
            .flat_map(|event| event.event.paths)
            .collect();
        if !paths.is_empty() {
            let _ = tx.send(Message::Changed(paths));
        }
    })
    .map_err(|err| format!("cannot watch files: {err}"))?;
    let mut watched = vec![
        (project.specs.clone(), RecursiveMode::Recursive),
        (project.out.join("src"), RecursiveMode::Recursive),
        (manifest.clone(), RecursiveMode::NonRecursive),
    ];
    if let Some(templates) = &project.templates {
        watched.push((templates.clone(), RecursiveMode::Recursive));
    }
    let watched: Vec<(PathBuf, RecursiveMode)> = watched
        .into_iter()
        .filter_map(|(path, mode)| Some((std::fs::canonicalize(path).ok()?, mode)))
        .collect();
    for (path, mode) in &watched {
        {
            debouncer
                .watch(path, *mode)
                .map_err(|err| format!("cannot watch {}: {err}", path.display()))?;
        }
    }
    let shown: Vec<String> = watched
        .iter()
        .map(|(path, _)| path.display().to_string())
        .collect();
    say(&format!("watching {}", shown.join(", ")));

    let mut dev = Dev {
        project,
        root,
        manifest,
        generated: BTreeSet::new(),
        server: None,
    };
    dev.cycle();
    loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(Message::Stop) => break,
            Ok(Message::Changed(mut paths)) => {
                // Saves made during the last cycle are one more change.
                let mut stop = false;
                while let Ok(message) = rx.try_recv() {
                    match message {
                        Message::Changed(more) => paths.extend(more),
                        Message::Stop => stop = true,
                    }
                }
                if stop {
                    break;
                }
                let changed: Vec<&PathBuf> =
                    paths.iter().filter(|path| dev.is_source(path)).collect();
                if let Some(first) = changed.first() {
                    say(&format!("changed: {}", first.display()));
                    dev.cycle();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => dev.check_server(),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    dev.stop_server();
    say("stopped");
    Ok(())
}

fn say(message: &str) {
    eprintln!("[gatesmith dev] {message}");
}

struct Dev<'a> {
    project: &'a Project,
    root: PathBuf,
    manifest: PathBuf,
    /// The files the last generation wrote: changes to them are its own.
    generated: BTreeSet<PathBuf>,
    server: Option<Child>,
}

impl Dev<'_> {
    /// Whether a change to `path` is the user's (not one of gatesmith's
    /// own writes, nor an editor's scratch file).
    fn is_source(&self, path: &Path) -> bool {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy())
            .unwrap_or_default();
        let scratch = name.starts_with('.') || name.ends_with('~') || name == "4913";
        !scratch && !self.generated.contains(path)
    }

    /// Regenerate, rebuild, restart; on an error, say it and keep the
    /// server that runs.
    fn cycle(&mut self) {
        let keeps = if self.server.is_some() {
            "the last good server keeps running"
        } else {
            "no server runs until this is fixed"
        };
        let planned = match plan(self.project) {
            Ok(planned) => planned,
            Err(err) => {
                eprintln!("{err}");
                say(&format!("spec error: {keeps}"));
                return;
            }
        };
        if let Err(err) = write::execute(&planned, false) {
            eprintln!("{err}");
            say(&format!("nothing was regenerated: {keeps}"));
            return;
        }
        let out = std::path::absolute(&self.project.out).unwrap_or_else(|_| self.root.clone());
        self.generated = planned
            .iter()
            .filter_map(|p| p.path.strip_prefix(&self.project.out).ok())
            .flat_map(|relative| [self.root.join(relative), out.join(relative)])
            .collect();
        for p in planned.iter().filter(|p| p.action != Action::Unchanged) {
            say(&p.describe(false, false));
        }
        say("building");
        let built = match self.build() {
            Ok(built) => built,
            Err(err) => {
                eprintln!("{err}");
                say(&format!("build failed: {keeps}"));
                return;
            }
        };
        if built.fresh && self.server.is_some() {
            say("the server is up to date");
            return;
        }
        self.stop_server();
        let mut server = Command::new(&built.executable);
        server.current_dir(&self.root).stdin(Stdio::null());
        die_with_parent(&mut server);
        match server.spawn() {
            Ok(child) => {
                say(&format!("server started (pid {})", child.id()));
                self.server = Some(child);
            }
            Err(err) => say(&format!(
                "cannot start {}: {err}",
                built.executable.display()
            )),
        }
    }

    fn build(&self) -> Result<Built, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut child = Command::new(cargo)
            .args([
                "build",
                "--message-format=json-render-diagnostics",
                "--manifest-path",
            ])
            .arg(&self.manifest)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        let mut built = None;
        if let Some(stdout) = child.stdout.take() {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(artifact) = Built::from_message(&line, &self.manifest) {
                    built = Some(artifact);
                }
            }
        }
        let status = child.wait().map_err(|err| format!("cargo build: {err}"))?;
        if !status.success() {
            return Err(format!("cargo build: {status}"));
        }
        built.ok_or_else(|| "cargo build built no binary: the crate needs a src/main.rs".to_owned())
    }

    /// Reports a server that exited by itself (a panic, a taken port).
    fn check_server(&mut self) {
        if let Some(child) = &mut self.server
            && let Ok(Some(status)) = child.try_wait()
        {
            say(&format!(
                "the server exited ({status}); it restarts on the next change"
            ));
            self.server = None;
        }
    }

    /// Stops the server gracefully (SIGTERM: it lets running handlers send
    /// their acks), killing it if it takes longer than [`STOP_TIMEOUT`].
    fn stop_server(&mut self) {
        let Some(mut child) = self.server.take() else {
            return;
        };
        terminate(&child);
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        say(&format!("server stopped (pid {})", child.id()));
    }
}

#[cfg(unix)]
fn terminate(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) has no memory effects; the pid is our own child,
        // not yet waited for, so it cannot have been reused.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

#[cfg(not(unix))]
fn terminate(_child: &Child) {}

/// Even if `dev` is killed outright (SIGKILL, a closed terminal), its
/// server gets SIGTERM rather than living on with the port.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: prctl is async-signal-safe, as pre_exec requires; it only
    // sets a flag of the child process.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

/// The server binary a build produced.
struct Built {
    executable: PathBuf,
    /// Not rebuilt: the running server is this binary already.
    fresh: bool,
}

impl Built {
    /// The artifact of `manifest`'s binary in one line of cargo's JSON.
    fn from_message(line: &str, manifest: &Path) -> Option<Self> {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        if message["reason"] != "compiler-artifact" {
            return None;
        }
        let ours = message["manifest_path"]
            .as_str()
            .is_some_and(|path| Path::new(path) == manifest);
        let bin = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"));
        let executable = message["executable"].as_str()?;
        (ours && bin).then(|| Built {
            executable: PathBuf::from(executable),
            fresh: message["fresh"].as_bool().unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_binary_is_read_from_cargos_messages() {
        let manifest = Path::new("/p/Cargo.toml");
        let line = r#"{"reason":"compiler-artifact","manifest_path":"/p/Cargo.toml","target":{"kind":["bin"],"name":"shop"},"executable":"/t/debug/shop","fresh":false}"#;
        let built = Built::from_message(line, manifest).unwrap();
        assert_eq!(built.executable, Path::new("/t/debug/shop"));
        assert!(!built.fresh);
        let lib = line.replace(r#"["bin"]"#, r#"["lib"]"#);
        assert!(Built::from_message(&lib, manifest).is_none());
        let other = line.replace("/p/Cargo.toml", "/q/Cargo.toml");
        assert!(Built::from_message(&other, manifest).is_none());
        assert!(Built::from_message("not json", manifest).is_none());
    }
}
