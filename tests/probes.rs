//! The probes a load balancer or Kubernetes asks, against a real gateway
//! process (tests/bin/slow_gateway.rs): `/healthz` answers while the
//! process serves; `/readyz` answers 200, then 503 as soon as SIGTERM
//! comes, while the requests already being handled still get their acks.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

#[path = "support/gateway_process.rs"]
mod gateway_process;
use gateway_process::GatewayProcess;

use gatesmith_tests::{http_get as get, next_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_503_on_sigterm_while_acks_in_flight_still_arrive() {
    let mut server = GatewayProcess::start(&[]);
    let port = server.port;
    assert_eq!(get(port, "/healthz"), (200, "ok\n".to_owned()));
    assert_eq!(get(port, "/readyz"), (200, "ready\n".to_owned()));

    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    next_text(&mut ws).await.expect("OPEN");
    ws.send(Message::text("40")).await.expect("CONNECT");
    next_text(&mut ws).await.expect("CONNECT reply");
    // The slow service takes 293 ms over request 35.
    ws.send(Message::text(r#"421["findOneAaa",35]"#))
        .await
        .expect("send");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.stdout.iter().any(|line| line == "begin 35") {
        assert!(Instant::now() < deadline, "the request never began");
        server.read_lines();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(signalled.success());
    let deadline = Instant::now() + Duration::from_secs(2);
    let readiness = loop {
        let readiness = get(port, "/readyz");
        if readiness.0 != 200 || Instant::now() > deadline {
            break readiness;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(readiness, (503, "not ready: shutting down\n".to_owned()));
    assert_eq!(get(port, "/healthz").0, 200, "alive while it drains");
    // The request received before the signal is still answered.
    let answer = loop {
        let frame = next_text(&mut ws).await.expect("the ack before the close");
        if frame.starts_with("431") {
            break frame;
        }
    };
    assert_eq!(answer, r#"431["slow #35"]"#);
    assert!(server.wait_exit(Duration::from_secs(10)).success());
}
