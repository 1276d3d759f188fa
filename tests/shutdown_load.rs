//! Graceful shutdown under load, against a real server process: 50 official
//! socket.io clients (40 over WebSocket, 10 over long-polling), each with
//! 4 requests in flight to a service that takes 0–300 ms, and SIGTERM sent
//! to the process mid-stream (tests/node/shutdown-load.mjs drives the
//! clients and sends the signal; tests/bin/slow_gateway.rs is the server).
//!
//! Every request whose handler began gets its ack, the ones that arrive
//! after the signal are refused or meet a closed connection, none is left
//! unanswered, and the process exits cleanly. Also: a half-sent HTTP
//! request delays the exit by `CLOSE_TIMEOUT` at most, a SIGTERM right after
//! start is graceful, and (in process) each kind of handler the runtime
//! wires answers a refusal as data once shutdown began.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/gateway_process.rs"]
mod gateway_process;

#[test]
fn every_request_received_before_sigterm_gets_its_ack_under_load() {
    gatesmith_tests::npm_install();
    let mut server = gateway_process::GatewayProcess::start(&[]);
    let started = Instant::now();
    let node = Command::new("node")
        .arg("shutdown-load.mjs")
        .env("GATESMITH_URL", server.url())
        .env("SERVER_PID", server.id().to_string())
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
    let status = server.wait_exit(Duration::from_secs(10));
    println!("load and shutdown took {:?}", started.elapsed());
    assert!(status.success(), "the gateway exited with {status}");
    let mut began = BTreeSet::new();
    for line in &server.stdout {
        let id = line
            .strip_prefix("begin ")
            .and_then(|id| id.parse::<i64>().ok());
        began.insert(id.unwrap_or_else(|| panic!("unexpected output: {line}")));
    }
    let log = &server.stderr;

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
    assert!(
        !log.iter()
            .any(|line| line.contains("HTTP connections still open")),
        "the clients' HTTP connections did not end: {log:#?}"
    );

    // A client that comes once shutdown began is turned away, and every
    // client was disconnected by the server, with a reason that makes the
    // official client reconnect (not "io server disconnect"). A polling
    // client that was between two requests when the server closed meets an
    // unknown session or a closed port on its next one: "transport error".
    let newcomer = run["newConnection"].as_str().expect("newConnection");
    assert!(newcomer.starts_with("refused"), "{newcomer}");
    let disconnects = run["disconnects"].as_array().expect("disconnects");
    assert_eq!(disconnects.len(), 50, "{disconnects:?}");
    for disconnect in disconnects {
        match (
            disconnect["transport"].as_str(),
            disconnect["reason"].as_str(),
        ) {
            (_, Some("transport close")) | (Some("polling"), Some("transport error")) => {}
            _ => panic!("{disconnect}"),
        }
    }
}

#[test]
fn a_half_sent_request_does_not_keep_the_process_after_sigterm() {
    let mut server = gateway_process::GatewayProcess::start(&[]);
    // A client that never finishes its request, as a slow or stuck one.
    use std::io::{Read, Write};
    let connect = || std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    let mut stuck = connect();
    stuck
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("half a request");
    // The server accepts connections in order: once a later one is
    // answered, the stuck one was accepted and its bytes read long since.
    let mut later = connect();
    later
        .write_all(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("a request");
    later
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    let mut answer = String::new();
    later.read_to_string(&mut answer).expect("the answer");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = server.wait_exit(Duration::from_secs(10));
    let took = signalled.elapsed();
    println!("exit {took:?} after SIGTERM with a half-sent request open");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        server
            .stderr
            .iter()
            .any(|line| line.contains("HTTP connections still open")),
        "{:#?}",
        server.stderr
    );
    drop(stuck);
}

#[test]
fn a_sigterm_right_after_serving_on_is_a_graceful_shutdown() {
    let mut server = gateway_process::GatewayProcess::start(&[]);
    // The signal handlers are installed before the log line: the process
    // shuts down and exits 0, rather than being killed by the signal.
    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status}");
    server.wait_for_log(
        "shutting down: disconnecting clients",
        Duration::from_secs(1),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_shutdown_began_every_kind_of_event_is_refused_as_data() {
    use futures_util::SinkExt;
    use gatesmith_runtime::{Gateway, Host};
    use tokio_tungstenite::tungstenite::Message;

    // One event of each kind the runtime wires: no payload, a payload with
    // no schema; `findOneAaa` in the load test has a schema.
    let gateway = Gateway::new("kinds", "/", (), |events| {
        events.on("hold", |_, _| async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            "held"
        });
        events.on("bare", |_, _| async { "bare" });
        events.on_payload("typed", |_, _, n: i64| async move { n });
    });
    let bound = Host::new()
        .addr(([127, 0, 0, 1], 0).into())
        .gateway(gateway)
        .bind()
        .await
        .expect("bind");
    let url = format!(
        "ws://{}/socket.io/?EIO=4&transport=websocket",
        bound.local_addr()
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.serve_until(async {
        let _ = stopped.await;
    }));
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    assert!(
        gatesmith_tests::next_text(&mut ws)
            .await
            .is_some_and(|open| open.starts_with('0'))
    );
    ws.send(Message::text("40")).await.expect("CONNECT");
    assert!(
        gatesmith_tests::next_text(&mut ws)
            .await
            .is_some_and(|c| c.starts_with("40"))
    );

    // `hold` runs through the shutdown; `bare` answered says it began.
    ws.send(Message::text(r#"421["hold"]"#))
        .await
        .expect("send");
    ws.send(Message::text(r#"422["bare"]"#))
        .await
        .expect("send");
    assert_eq!(
        gatesmith_tests::next_text(&mut ws).await.as_deref(),
        Some(r#"432["bare"]"#)
    );
    stop.send(()).expect("the server listens for the signal");

    // Until the signal is seen, `bare` is served; then it is refused.
    let refusal = |event: &str| {
        format!(
            r#"{{"status":"error","code":"shutting_down","event":"{event}","message":"the server is shutting down; send it again once reconnected"}}"#
        )
    };
    let mut id = 3;
    loop {
        ws.send(Message::text(format!(r#"42{id}["bare"]"#)))
            .await
            .expect("send");
        let answer = gatesmith_tests::next_text(&mut ws)
            .await
            .expect("an answer");
        if answer == format!(r#"43{id}[{}]"#, refusal("bare")) {
            break;
        }
        assert_eq!(answer, format!(r#"43{id}["bare"]"#));
        id += 1;
    }
    ws.send(Message::text(r#"4290["typed",5]"#))
        .await
        .expect("send");
    assert_eq!(
        gatesmith_tests::next_text(&mut ws).await,
        Some(format!(r#"4390[{}]"#, refusal("typed")))
    );
    // Without an ack to answer, the refusal comes as an `exception` event.
    ws.send(Message::text(r#"42["typed",5]"#))
        .await
        .expect("send");
    assert_eq!(
        gatesmith_tests::next_text(&mut ws).await,
        Some(format!(r#"42["exception",{}]"#, refusal("typed")))
    );
    // The handler that began before the signal still answers, then the
    // server disconnects the client and returns.
    assert_eq!(
        gatesmith_tests::next_text(&mut ws).await.as_deref(),
        Some(r#"431["held"]"#)
    );
    // engine.io's CLOSE packet, then the end of the connection.
    assert_eq!(
        gatesmith_tests::next_text(&mut ws).await.as_deref(),
        Some("1")
    );
    assert_eq!(gatesmith_tests::next_text(&mut ws).await, None);
    let served = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns")
        .expect("no panic");
    assert!(served.is_ok(), "{served:?}");
}
