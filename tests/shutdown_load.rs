//! Graceful shutdown under load, against a real server process: 50 official
//! socket.io clients (40 over WebSocket, 10 over long-polling), each with
//! 4 requests in flight to a service that takes 0–300 ms, and SIGTERM sent
//! to the process mid-stream (tests/node/shutdown-load.mjs drives the
//! clients and sends the signal; tests/bin/slow_gateway.rs is the server).
//!
//! Every request whose handler began gets its ack, the ones that arrive
//! after the signal are refused or meet a closed connection, none is left
//! unanswered, and the process exits cleanly.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Kills the server if the test fails before it exits.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

enum Line {
    Out(String),
    Err(String),
}

#[test]
fn every_request_received_before_sigterm_gets_its_ack_under_load() {
    gatesmith_tests::npm_install();
    let mut child = Command::new(env!("CARGO_BIN_EXE_slow-gateway"))
        .env("PORT", "0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the slow gateway");
    let (tx, lines) = mpsc::channel();
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let mut server = Server(child);
    let out = tx.clone();
    if let Some(stdout) = stdout {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out.send(Line::Out(line));
            }
        });
    }
    if let Some(stderr) = stderr {
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(Line::Err(line));
            }
        });
    }
    let mut log = Vec::new();
    let port = loop {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(Line::Err(line)) => {
                let port = line
                    .split_once("serving on http://localhost:")
                    .and_then(|(_, port)| port.trim().parse::<u16>().ok());
                log.push(line);
                if let Some(port) = port {
                    break port;
                }
            }
            Ok(Line::Out(line)) => panic!("output before serving: {line}"),
            Err(_) => panic!("the gateway did not start: {log:#?}"),
        }
    };

    let started = Instant::now();
    let node = Command::new("node")
        .arg("shutdown-load.mjs")
        .env("GATESMITH_URL", format!("http://127.0.0.1:{port}"))
        .env("SERVER_PID", server.0.id().to_string())
        .current_dir(gatesmith_tests::root().join("tests/node"))
        .output()
        .expect("run node (Node 20 must be installed)");
    let report = String::from_utf8_lossy(&node.stdout);
    assert!(
        node.status.success(),
        "the load script failed: {report}\n{}",
        String::from_utf8_lossy(&node.stderr)
    );

    // The process exits on its own once its clients are gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("wait for the gateway") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway still runs 10 s after its clients left"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    println!("load and shutdown took {:?}", started.elapsed());
    assert!(status.success(), "the gateway exited with {status}");

    let mut began = BTreeSet::new();
    for line in lines.try_iter() {
        match line {
            Line::Out(line) => {
                let id = line
                    .strip_prefix("begin ")
                    .and_then(|id| id.parse::<i64>().ok());
                began.insert(id.unwrap_or_else(|| panic!("unexpected output: {line}")));
            }
            Line::Err(line) => log.push(line),
        }
    }

    let run: Value = serde_json::from_str(report.trim()).expect("the load script's JSON report");
    let signalled_at = run["signalledAt"]
        .as_f64()
        .expect("the script sent SIGTERM mid-stream");
    let results = run["results"].as_array().expect("results");
    let mut outcomes = HashMap::new();
    let mut counts: HashMap<(&str, &str, bool), usize> = HashMap::new();
    for result in results {
        let id = result["id"].as_i64().expect("id");
        let outcome = result["outcome"].as_str().expect("outcome");
        let transport = result["transport"].as_str().expect("transport");
        let after_signal = result["at"].as_f64().expect("at") > signalled_at;
        outcomes.insert(id, (outcome, result));
        *counts
            .entry((outcome, transport, after_signal))
            .or_default() += 1;
    }
    println!(
        "requests: {} (outcome, transport, answered after the signal): {counts:?}",
        results.len()
    );

    // Nothing silently lost, nothing answered wrong.
    for (id, (outcome, result)) in &outcomes {
        assert!(
            matches!(*outcome, "ack" | "refused" | "closed"),
            "request {id}: {result}"
        );
    }
    // Every request the service began was answered with its ack, over both
    // transports, though most of those acks went out after the signal.
    for id in &began {
        match outcomes.get(id) {
            Some(("ack", _)) => {}
            other => panic!("request {id} began before shutdown but got {other:?}"),
        }
    }
    for (id, (outcome, _)) in &outcomes {
        if *outcome == "ack" {
            assert!(began.contains(id), "request {id} was acked but never began");
        }
    }
    // The signal came mid-stream: on each transport, requests were still
    // in flight (their acks came after it), and later ones were refused.
    for transport in ["websocket", "polling"] {
        assert!(
            counts
                .get(&("ack", transport, false))
                .is_some_and(|&n| n > 0),
            "no {transport} ack before the signal: {counts:?}"
        );
        assert!(
            counts
                .get(&("ack", transport, true))
                .is_some_and(|&n| n > 0),
            "no {transport} request was in flight at the signal: {counts:?}"
        );
    }
    assert!(
        counts
            .iter()
            .any(|(&(outcome, _, after), &n)| outcome == "refused" && after && n > 0),
        "no request came after the signal: {counts:?}"
    );
    let draining = log
        .iter()
        .find(|line| line.contains("finishing in-flight handlers"))
        .expect("the gateway logged its shutdown");
    assert!(!draining.contains("handlers=0"), "{draining}");
    assert!(
        !log.iter().any(|line| line.contains("disconnecting anyway")),
        "the drain timed out: {log:#?}"
    );

    // A client that comes once shutdown began is turned away, and every
    // client was disconnected by the server.
    let newcomer = run["newConnection"].as_str().expect("newConnection");
    assert!(newcomer.starts_with("refused"), "{newcomer}");
    let disconnects = run["disconnects"].as_array().expect("disconnects");
    assert_eq!(disconnects.len(), 50, "{disconnects:?}");
    for disconnect in disconnects {
        assert_eq!(disconnect["reason"], "transport close", "{disconnect}");
    }
}
