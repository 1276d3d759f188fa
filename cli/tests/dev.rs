//! `gatesmith dev` in a project made by `gatesmith new`, as a user runs it:
//! a spec edit reaches clients without a manual restart, a spec error keeps
//! the last good server answering, and Ctrl-C leaves no server behind.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::built::{self, Log, ports};

/// The pids of the servers `dev` said it started, in order.
fn started(log: &str) -> Vec<i32> {
    log.match_indices("server started (pid ")
        .filter_map(|(at, prefix)| {
            let rest = &log[at + prefix.len()..];
            rest[..rest.find(')')?].parse().ok()
        })
        .collect()
}

/// Whether process `pid` exists (a zombie counts: its parent did not reap it).
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn dev_restarts_on_a_spec_edit_keeps_the_last_good_server_on_an_error_and_stops_cleanly() {
    let parent = tempfile::tempdir().expect("temp dir");
    let app = built::new_project(parent.path(), "devshop");
    let mut dev = Command::new(env!("CARGO_BIN_EXE_gatesmith"))
        .arg("dev")
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", built::target_dir())
        .env("PORT", "0")
        .env_remove("CARGO_MANIFEST_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gatesmith dev");
    let log = Log::capture(dev.stderr.take().expect("stderr is piped"));
    let build = Duration::from_secs(600);
    let served = |count: usize| {
        move |text: &str| {
            let ports = ports(text);
            (ports.len() >= count).then(|| format!("http://127.0.0.1:{}", ports[count - 1]))
        }
    };

    let first = log.wait_for("the first server", build, served(1));
    assert!(!built::get(&first, "/").contains("greet"));
    assert_eq!(
        built::ack(&first, "ping", Some("\"hello\"")),
        "\"pong: hello\""
    );

    // An edit of the spec: a changed ack and a new event, served by a new
    // server, the old one stopped.
    let spec_path = app.join("specs/app.yaml");
    let spec = std::fs::read_to_string(&spec_path).expect("read the spec");
    let edited = spec.replace(
        "ack: \"pong: {{ payload }}\"",
        "ack: \"PONG {{ payload }}\"",
    ) + "\n  greet:\n    ack: world\n";
    assert_ne!(edited, spec + "\n  greet:\n    ack: world\n");
    std::fs::write(&spec_path, &edited).expect("write the spec");
    let second = log.wait_for("the restarted server", build, served(2));
    assert_eq!(
        built::ack(&second, "ping", Some("\"hello\"")),
        "\"PONG hello\""
    );
    assert_eq!(built::ack(&second, "greet", None), "\"world\"");
    // The page a browser reloads emits the new event.
    assert!(built::get(&second, "/").contains("greet"));
    let pids = started(&log.text());
    assert_eq!(pids.len(), 2, "{}", log.text());
    assert!(!alive(pids[0]), "the first server still runs");

    // A spec error: the diagnostic is printed, the last good server answers.
    std::fs::write(
        &spec_path,
        edited.replace("  greet:\n", "  greet:\n    colour: red\n"),
    )
    .expect("write the spec");
    let report = log.wait_for("the spec error", build, |text| {
        text.contains("spec error: the last good server keeps running")
            .then(|| text.to_owned())
    });
    assert!(report.contains("specs/app.yaml:"), "{report}");
    assert!(report.contains("colour"), "{report}");
    assert_eq!(
        built::ack(&second, "ping", Some("\"hello\"")),
        "\"PONG hello\""
    );
    assert_eq!(started(&log.text()).len(), 2, "{}", log.text());
    assert!(alive(pids[1]));

    // The spec fixed again: nothing to rebuild, so no restart. Then a
    // build error in the user's code: cargo's message, the server stays.
    std::fs::write(&spec_path, &edited).expect("write the spec");
    log.wait_for("the no-op rebuild", build, |text| {
        text.contains("the server is up to date").then_some(())
    });
    let main_path = app.join("src/main.rs");
    let main = std::fs::read_to_string(&main_path).expect("read main.rs");
    std::fs::write(&main_path, main.replace(".run()", ".run_away()")).expect("write main.rs");
    let report = log.wait_for("the build error", build, |text| {
        text.contains("build failed: the last good server keeps running")
            .then(|| text.to_owned())
    });
    assert!(report.contains("run_away"), "{report}");
    assert_eq!(
        built::ack(&second, "ping", Some("\"hello\"")),
        "\"PONG hello\""
    );
    assert_eq!(started(&log.text()).len(), 2, "{}", log.text());

    // Ctrl-C: dev stops its server, then itself.
    // SAFETY: a signal to the child this test started and has not reaped.
    unsafe {
        libc::kill(dev.id() as i32, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = dev.try_wait().expect("wait for dev") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "dev did not stop: {}",
            log.text()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}: {}", log.text());
    log.wait_for("dev's last words", Duration::from_secs(10), |text| {
        text.contains("[gatesmith dev] stopped").then_some(())
    });
    assert!(!alive(pids[1]), "the server outlived dev");
    // One build at the start and one per change that checked: reading
    // files (cargo reads Cargo.toml, generating lists specs/) is not one.
    let builds = log.text().matches("[gatesmith dev] building").count();
    assert_eq!(builds, 4, "{}", log.text());
}
