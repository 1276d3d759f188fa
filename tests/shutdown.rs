//! Graceful shutdown, as a client sees it: once the signal comes, new
//! connections are refused, but a request received before it still gets
//! its ack, and the server returns only after that.

use std::time::Duration;

use futures_util::SinkExt;
use gatesmith_generated::aaa::{self, AaaService};
use gatesmith_runtime::{EventContext, Host};
use gatesmith_tests::next_text;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

/// A service whose `findOneAaa` takes a while: the request is still being
/// handled when the shutdown signal arrives.
struct Slow;

impl AaaService for Slow {
    async fn find_one_aaa(&self, payload: i64, _cx: &EventContext) -> String {
        tokio::time::sleep(Duration::from_millis(400)).await;
        format!("slow #{payload}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_received_before_shutdown_still_gets_its_ack() {
    let bound = Host::new()
        .addr(([127, 0, 0, 1], 0).into())
        .gateway(aaa::gateway(Slow))
        .bind()
        .await
        .expect("bind a free port on 127.0.0.1");
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
    let open = next_text(&mut ws).await.expect("engine.io OPEN");
    assert!(open.starts_with('0'), "{open}");
    ws.send(Message::text("40")).await.expect("send CONNECT");
    let connected = next_text(&mut ws).await.expect("socket.io CONNECT");
    assert!(connected.starts_with("40"), "{connected}");
    ws.send(Message::text(r#"421["findOneAaa",7]"#))
        .await
        .expect("send the request");

    // The handler is now sleeping; the signal comes in the middle of it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(())
        .expect("the server is listening for the signal");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio_tungstenite::connect_async(&url).await.is_err(),
        "a new connection is refused once shutdown began"
    );

    assert!(
        !server.is_finished(),
        "the server waits for the handler still running"
    );

    let mut frames = Vec::new();
    while let Some(text) = next_text(&mut ws).await {
        let is_ack = text == r#"431["slow #7"]"#;
        frames.push(text);
        if is_ack {
            break;
        }
    }
    assert_eq!(
        frames.last().map(String::as_str),
        Some(r#"431["slow #7"]"#),
        "the ack was lost: {frames:?}"
    );
    let served = timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns once its clients are gone")
        .expect("the server task did not panic");
    assert!(served.is_ok(), "{served:?}");
}
