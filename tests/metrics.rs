//! `/metrics` against a real gateway process (tests/bin/slow_gateway.rs),
//! scraped after raw socket.io clients did known things, and read with the
//! Prometheus project's own parser (`prometheus_client`'s OpenMetrics
//! parser, from PyPI; scripts/test installs it): every count is what the
//! clients did, and a made-up event is counted under one label.

use std::process::Command;
use std::time::Duration;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

#[path = "support/gateway_process.rs"]
mod gateway_process;
use gateway_process::GatewayProcess;

use gatesmith_tests::{WsClient, http_get, next_text};

/// Parses OpenMetrics `text` with prometheus_client: one line per sample,
/// `name{label="value",…} value`, labels sorted.
fn parse(text: &str) -> Vec<String> {
    const SCRIPT: &str = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
        print(f"{sample.name}{{{labels}}} {sample.value:g}")
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("python3");
    assert!(
        output.status.success(),
        "the Prometheus parser refused the metrics (pip install prometheus-client if it is missing):\n{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn value(samples: &[String], series: &str) -> f64 {
    samples
        .iter()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{}", samples.join("\n")))
}

async fn connect(port: u16, ns: &str) -> WsClient {
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    next_text(&mut ws).await.expect("OPEN");
    let packet = if ns == "/" {
        "40".to_owned()
    } else {
        format!("40{ns},")
    };
    ws.send(Message::text(packet)).await.expect("CONNECT");
    next_text(&mut ws).await.expect("CONNECT reply");
    ws
}

/// Sends `frame` and waits for the frame that starts with `answer`.
async fn ask(ws: &mut WsClient, frame: &str, answer: &str) {
    ws.send(Message::text(frame)).await.expect("send");
    loop {
        let got = next_text(ws).await.expect("connected");
        if got.starts_with(answer) {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_clients_did() {
    let server = GatewayProcess::start(&[]);
    let port = server.port;
    let mut first = connect(port, "/").await;
    let _second = connect(port, "/").await;
    let mut blast = connect(port, "/blast").await;
    for id in 1..=3 {
        ask(
            &mut first,
            &format!(r#"42{id}["removeAaa",{id}]"#),
            &format!("43{id}"),
        )
        .await;
    }
    ask(&mut first, r#"424["removeAaa","x"]"#, "434").await;
    // Made-up events: no answer comes, and no series is made for them.
    for made_up in ["nope", "nope", "another"] {
        first
            .send(Message::text(format!(r#"42["{made_up}"]"#)))
            .await
            .expect("send");
    }
    for id in 1..=6 {
        ask(
            &mut blast,
            &format!(r#"42/blast,{id}["limited"]"#),
            &format!("43/blast,{id}"),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (status, text) = http_get(port, "/metrics");
    assert_eq!(status, 200, "{text}");
    let samples = parse(&text);
    let events = |gateway: &str, event: &str, outcome: &str| {
        value(
            &samples,
            &format!(
                r#"gatesmith_events_received_total{{event="{event}",gateway="{gateway}",outcome="{outcome}"}}"#
            ),
        )
    };
    assert_eq!(events("aaa", "removeAaa", "ok"), 3.0);
    assert_eq!(events("aaa", "removeAaa", "invalid_payload"), 1.0);
    assert_eq!(events("aaa", "(unknown)", "unknown_event"), 3.0);
    assert!(
        !samples
            .iter()
            .any(|line| line.contains("nope") || line.contains("another")),
        "a made-up event made a series"
    );
    assert_eq!(events("blast", "limited", "ok"), 5.0);
    assert_eq!(events("blast", "limited", "rate_limited"), 1.0);
    assert_eq!(
        value(
            &samples,
            r#"gatesmith_event_duration_seconds_count{event="removeAaa",gateway="aaa"}"#
        ),
        4.0
    );
    assert_eq!(
        value(&samples, r#"gatesmith_sockets_connected{namespace="/"}"#),
        2.0
    );
    assert_eq!(
        value(
            &samples,
            r#"gatesmith_sockets_connected{namespace="/blast"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            r#"gatesmith_connections_total{namespace="/",outcome="accepted"}"#
        ),
        2.0
    );
    assert_eq!(
        value(&samples, "gatesmith_slow_consumers_disconnected_total{}"),
        0.0
    );

    // A socket that leaves is no longer counted.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let samples = parse(&http_get(port, "/metrics").1);
    assert_eq!(
        value(&samples, r#"gatesmith_sockets_connected{namespace="/"}"#),
        1.0
    );
}

#[test]
fn metrics_may_have_their_own_address_or_be_off() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let metrics_port = free.local_addr().expect("addr").port();
    drop(free);
    let addr = format!("127.0.0.1:{metrics_port}");
    let apart = GatewayProcess::start(&[("GATESMITH_METRICS_ADDR", &addr)]);
    let (status, text) = http_get(metrics_port, "/metrics");
    assert_eq!(status, 200);
    assert!(!parse(&text).is_empty());
    assert_eq!(
        http_get(apart.port, "/metrics").0,
        404,
        "not on the clients' port"
    );
    let off = GatewayProcess::start(&[("GATESMITH_METRICS", "off")]);
    assert_eq!(http_get(off.port, "/metrics").0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_socket_and_event() {
    let mut server = GatewayProcess::start(&[("GATESMITH_LOG_FORMAT", "json")]);
    let mut client = connect(server.port, "/").await;
    ask(&mut client, r#"421["removeAaa","x"]"#, "431").await;
    server.wait_for_log("payload refused", Duration::from_secs(5));
    server.wait_for_log("client connected", Duration::from_secs(5));
    for line in &server.stderr {
        let object: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("not a JSON object ({err}): {line}"));
        assert!(
            object["level"].is_string() && object["message"].is_string(),
            "{line}"
        );
    }
    let find = |message: &str| {
        (server.stderr.iter())
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap_or_default())
            .find(|object| object["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line"))
    };
    let connected = find("client connected");
    assert_eq!(connected["gateway"], "aaa");
    assert_eq!(connected["ns"], "/");
    assert!(connected["socket"].is_string());
    let refused = find("payload refused");
    assert_eq!(refused["ns"], "/");
    assert_eq!(refused["event"], "removeAaa");
    assert_eq!(refused["socket"], connected["socket"]);
}
