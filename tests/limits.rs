//! The host's limits, each exceeded by a real client against a real gateway
//! process configured by its environment (`Host::from_env`, as a generated
//! `main.rs` does): payload size (tests/node/limits.test.mjs, the official
//! client on both transports, and the 1 MiB default), pending delayed
//! emissions per socket, ping interval and timeout, CORS origins, and a bad
//! variable refused at start. docs/host.md documents what each test sees.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

#[path = "support/gateway_process.rs"]
mod gateway_process;
use gateway_process::GatewayProcess;

use gatesmith_tests::{WsClient, next_text};

/// Opens an engine.io WebSocket to `port`, returning the OPEN packet's JSON.
async fn open(port: u16) -> (WsClient, serde_json::Value) {
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let open = next_frame(&mut ws).await.expect("engine.io OPEN");
    let handshake = open
        .strip_prefix('0')
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| panic!("not an OPEN packet: {open}"));
    (ws, handshake)
}

/// The next text frame, or None once the connection is closed. Pings are
/// returned like any frame, for the tests that decide whether to answer
/// them; [`next_text`] answers them.
async fn next_frame(ws: &mut WsClient) -> Option<String> {
    loop {
        match timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return Some(text.as_str().to_owned()),
            Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => return None,
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("no frame from the server within 5 s"),
        }
    }
}

#[test]
fn a_payload_over_the_limit_disconnects_its_client_on_both_transports() {
    let server = GatewayProcess::start(&[("GATESMITH_MAX_PAYLOAD_BYTES", "4096")]);
    gatesmith_tests::node_test("limits.test.mjs", &server.url(), &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_payload_limit_is_one_mib() {
    let server = GatewayProcess::start(&[]);
    let (mut ws, handshake) = open(server.port).await;
    assert_eq!(handshake["maxPayload"], 1 << 20, "{handshake}");
    ws.send(Message::text("40")).await.expect("CONNECT");
    assert!(
        next_text(&mut ws)
            .await
            .expect("CONNECT reply")
            .starts_with("40")
    );
    // `42` + ack id + `["createAaa",{"name":"…"}]`: the frame is the message.
    let frame = |len: usize| {
        let head = r#"421["createAaa",{"name":""#;
        let tail = r#""}]"#;
        format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()))
    };
    ws.send(Message::text(frame(1 << 20)))
        .await
        .expect("send 1 MiB");
    // createAaa's `guang` broadcast may come first.
    let answer = loop {
        let frame = next_text(&mut ws).await.expect("the connection stays up");
        if !frame.starts_with("42[") {
            break frame;
        }
    };
    assert_eq!(
        answer, r#"431["This action adds a new aaa"]"#,
        "a message of exactly 1 MiB is served"
    );
    ws.send(Message::text(frame((1 << 20) + 1)))
        .await
        .expect("send 1 MiB + 1");
    // What a raw client sees: the connection closes (the `guang` broadcast
    // of the first message may come first), and nothing answers the second.
    while let Some(frame) = next_text(&mut ws).await {
        assert!(!frame.starts_with("43"), "answered past the limit: {frame}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_emissions_past_the_per_socket_bound_are_dropped_and_logged() {
    let mut server = GatewayProcess::start(&[("GATESMITH_MAX_PENDING_DELAYED", "3")]);
    let (mut ws, _) = open(server.port).await;
    ws.send(Message::text("40/later,")).await.expect("CONNECT");
    let connected = next_text(&mut ws).await.expect("CONNECT reply");
    assert!(connected.starts_with("40/later,{"), "{connected}");
    // Five requests at once, each asking for a `later` event 300 ms on.
    for n in 1..=5 {
        ws.send(Message::text(format!(r#"42/later,{n}["later",{n}]"#)))
            .await
            .expect("send");
    }
    let (mut acks, mut events) = (Vec::new(), Vec::new());
    while events.len() < 3 {
        let frame = next_text(&mut ws).await.expect("the socket stays up");
        if let Some(ack) = frame.strip_prefix("43/later,") {
            acks.push(ack.to_owned());
        } else {
            events.push(frame);
        }
    }
    // Every request was served; three events were kept, which three
    // depends on which handlers ran first (they run concurrently).
    assert_eq!(acks.len(), 5, "{acks:?}");
    events.sort();
    events.dedup();
    assert_eq!(events.len(), 3, "{events:?}");
    let kept = |n: i64| events.contains(&format!(r#"42/later,["later",{n}]"#));
    assert!((1..=5).filter(|&n| kept(n)).count() == 3, "{events:?}");
    // Once they fired, there is room again: a sixth request gets its event,
    // and it is the next one to come, so the two others were dropped.
    ws.send(Message::text(r#"42/later,6["later",6]"#))
        .await
        .expect("send");
    assert_eq!(
        next_text(&mut ws).await.as_deref(),
        Some(r#"43/later,6[6]"#)
    );
    assert_eq!(
        next_text(&mut ws).await.as_deref(),
        Some(r#"42/later,["later",6]"#)
    );
    server.wait_for_log("dropped one", Duration::from_secs(5));
    server.read_lines();
    // Two were dropped, and logged once: warnings a client causes are
    // written at most once per 10 s from one place, the rest counted in the
    // next line's `left_out` (docs/host.md, "Logs").
    let dropped = (server.stderr.iter())
        .filter(|line| line.contains("too many delayed emissions pending: dropped one"))
        .collect::<Vec<_>>();
    assert_eq!(dropped.len(), 1, "{:#?}", server.stderr);
    assert!(dropped[0].contains("left_out=0"), "{dropped:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_answering_pings_is_dropped_within_interval_plus_timeout() {
    let (interval, ping_timeout) = (Duration::from_millis(300), Duration::from_millis(200));
    let mut server = GatewayProcess::start(&[
        ("GATESMITH_PING_INTERVAL_MS", "300"),
        ("GATESMITH_PING_TIMEOUT_MS", "200"),
    ]);
    let (mut lively, handshake) = open(server.port).await;
    // The client is told, and uses them to notice a silent server.
    assert_eq!(handshake["pingInterval"], 300, "{handshake}");
    assert_eq!(handshake["pingTimeout"], 200, "{handshake}");
    let (mut silent, _) = open(server.port).await;

    // The lively client answers five pings: it is kept, pinged every 300 ms.
    let answering = tokio::spawn(async move {
        let mut pings = Vec::new();
        while pings.len() < 5 {
            match next_frame(&mut lively).await.as_deref() {
                Some("2") => {
                    pings.push(Instant::now());
                    lively.send(Message::text("3")).await.expect("pong");
                }
                Some(_) => {}
                None => panic!("a client that answers was dropped"),
            }
        }
        pings
    });
    // The silent one joins the gateway, answers the first ping only, then
    // never again.
    silent.send(Message::text("40")).await.expect("CONNECT");
    let mut last_answer = None;
    let mut unanswered = 0;
    // Pings, the CONNECT reply, then engine.io's CLOSE packet, then the
    // connection closes.
    while let Some(frame) = next_frame(&mut silent).await {
        match frame.as_str() {
            "2" if last_answer.is_none() => {
                silent.send(Message::text("3")).await.expect("pong");
                last_answer = Some(Instant::now());
            }
            "2" => unanswered += 1,
            "1" => {}
            other => assert!(other.starts_with("40{"), "unexpected frame: {other}"),
        }
    }
    let last_answer = last_answer.expect("the silent client was pinged");
    let dropped_after = last_answer.elapsed();
    assert_eq!(
        unanswered, 1,
        "dropped at the first ping it left unanswered"
    );
    assert!(
        dropped_after >= ping_timeout
            && dropped_after < interval + ping_timeout + Duration::from_secs(1),
        "dropped {dropped_after:?} after its last pong"
    );

    let pings = answering.await.expect("the lively client");
    let gaps: Vec<_> = pings.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter()
            .all(|gap| *gap >= interval / 2 && *gap < interval * 3),
        "pings every {interval:?}: {gaps:?}"
    );
    server.wait_for_log(
        "client did not send a PONG packet in time",
        Duration::from_secs(5),
    );
}

/// A raw HTTP/1.1 exchange: the status code and the lowercased headers.
fn http(port: u16, request: &str) -> (u16, Vec<(String, String)>, String) {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    tcp.write_all(request.replace('\n', "\r\n").as_bytes())
        .expect("send the request");
    let mut response = String::new();
    tcp.read_to_string(&mut response)
        .expect("read the response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    (headers.iter())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn preflight(port: u16, origin: &str) -> (u16, Vec<(String, String)>, String) {
    http(
        port,
        &format!(
            "OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1
Host: 127.0.0.1:{port}
Origin: {origin}
Access-Control-Request-Method: POST
Access-Control-Request-Headers: content-type
Connection: close

"
        ),
    )
}

/// The request a page's socket.io client makes first, over long-polling.
fn handshake(port: u16, origin: &str) -> (u16, Vec<(String, String)>, String) {
    http(
        port,
        &format!(
            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1
Host: 127.0.0.1:{port}
Origin: {origin}
Connection: close

"
        ),
    )
}

#[test]
fn cors_lets_a_listed_origin_in_and_no_other() {
    let server = GatewayProcess::start(&[(
        "GATESMITH_CORS_ORIGINS",
        "http://localhost:5173, https://app.example.com",
    )]);
    let port = server.port;
    for allowed in ["http://localhost:5173", "https://app.example.com"] {
        let (status, headers, _) = preflight(port, allowed);
        assert!(
            (200..300).contains(&status),
            "preflight {allowed}: {status}"
        );
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            Some(allowed)
        );
        let methods = header(&headers, "access-control-allow-methods").unwrap_or_default();
        assert!(
            methods.contains("POST") && methods.contains("GET"),
            "{methods}"
        );
        assert_eq!(
            header(&headers, "access-control-allow-headers"),
            Some("content-type")
        );

        let (status, headers, body) = handshake(port, allowed);
        assert_eq!(status, 200, "{body}");
        assert!(body.starts_with("0{"), "an engine.io OPEN packet: {body}");
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            Some(allowed)
        );
    }
    // Another origin gets no CORS header: the browser refuses both the
    // preflight and the response to the simple request.
    for refused in ["https://evil.example", "http://localhost:5174", "null"] {
        let (_, headers, _) = preflight(port, refused);
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            None,
            "{refused}"
        );
        let (_, headers, _) = handshake(port, refused);
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            None,
            "{refused}"
        );
        assert!(
            header(&headers, "vary").is_some_and(|vary| vary.contains("origin")),
            "caches keep one answer per origin: {headers:?}"
        );
    }
}

/// Opens a WebSocket to socket.io as a browser page of `origin` would (no
/// `Origin` header: as a client outside a browser); the handshake's HTTP
/// status: 101 when it was let in.
async fn websocket_status(port: u16, origin: Option<&str>) -> u16 {
    websocket_status_at(port, "/socket.io/", origin).await
}

/// [`websocket_status`] at `path`: engine.io also answers `/socket.io`.
async fn websocket_status_at(port: u16, path: &str, origin: Option<&str>) -> u16 {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("ws://127.0.0.1:{port}{path}?EIO=4&transport=websocket");
    let mut request = url.into_client_request().expect("a request");
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("a header value"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(err) => panic!("{origin:?}: {err}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_origins_listed_a_websocket_from_another_origin_is_refused() {
    let server = GatewayProcess::start(&[("GATESMITH_CORS_ORIGINS", "https://app.example.com")]);
    let port = server.port;
    let own = format!("http://127.0.0.1:{port}");
    for (origin, expected) in [
        (Some("https://app.example.com"), 101),
        (Some("HTTPS://APP.EXAMPLE.COM"), 101),
        (Some(own.as_str()), 101),
        (None, 101),
        (Some("https://evil.example"), 403),
        (Some("http://app.example.com"), 403),
        (Some("null"), 403),
    ] {
        assert_eq!(websocket_status(port, origin).await, expected, "{origin:?}");
    }
    // engine.io answers `/socket.io` without the slash too.
    let bare = websocket_status_at(port, "/socket.io", Some("https://evil.example")).await;
    assert_eq!(bare, 403, "/socket.io without the slash");
    assert_eq!(websocket_status_at(port, "/socket.io", None).await, 101);
    // The same for long-polling, beside CORS.
    let (status, _, body) = handshake(port, "https://evil.example");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("GATESMITH_CORS_ORIGINS"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_origins_listed_a_websocket_from_any_origin_connects() {
    let server = GatewayProcess::start(&[]);
    assert_eq!(
        websocket_status(server.port, Some("https://evil.example")).await,
        101
    );
}

#[test]
fn without_cors_origins_no_other_origin_is_allowed() {
    let server = GatewayProcess::start(&[]);
    let (_, headers, _) = preflight(server.port, "https://app.example.com");
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    let (status, headers, body) = handshake(server.port, "https://app.example.com");
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[test]
fn a_bad_limit_in_the_environment_stops_the_gateway_naming_the_variable() {
    for (name, value) in [
        ("GATESMITH_MAX_PAYLOAD_BYTES", "1MiB"),
        ("GATESMITH_MAX_PENDING_DELAYED", "-1"),
        ("GATESMITH_PING_INTERVAL_MS", "25s"),
        ("GATESMITH_PING_TIMEOUT_MS", "0"),
        ("GATESMITH_CORS_ORIGINS", "app.example.com"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_slow-gateway"))
            .env("PORT", "0")
            .env(name, value)
            .output()
            .expect("run the slow gateway");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name}={value} was accepted");
        // main's `io::Result` prints the error's Debug form, quotes escaped.
        assert!(
            stderr.contains(name) && stderr.contains(value),
            "{name}: {stderr}"
        );
    }
}
