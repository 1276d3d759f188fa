//! Every client contained, tried against a real gateway process
//! (`tests/bin/slow_gateway.rs`) with raw engine.io clients: a client that
//! stops reading is released within the write timeout and leaves its rooms
//! while a healthy member of the same room gets every message; a client
//! that floods is held back by TCP, leaves other clients every ack, and
//! does not grow the server's memory with the size of its flood; the
//! connection cap and the header timeout; a rate limit refusing one client
//! and not another; integral numbers written as floats read as integers.
//! docs/host.md says what a client sees in each case.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

#[path = "support/gateway_process.rs"]
mod gateway_process;
use gateway_process::GatewayProcess;

use gatesmith_tests::{WsClient, http_request as http, next_text};

/// A raw socket.io client connected to namespace `ns` (`/` or `/name`).
async fn connect(port: u16, ns: &str) -> WsClient {
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let open = next_text(&mut ws).await.expect("engine.io OPEN");
    assert!(open.starts_with('0'), "{open}");
    ws.send(Message::text(connect_packet(ns)))
        .await
        .expect("CONNECT");
    let connected = next_text(&mut ws).await.expect("CONNECT reply");
    assert!(
        connected.starts_with(&connect_packet(ns)[..2]),
        "{connected}"
    );
    ws
}

fn connect_packet(ns: &str) -> String {
    if ns == "/" {
        "40".to_owned()
    } else {
        format!("40{ns},")
    }
}

/// A raw socket.io client that opens as the official client does: a
/// long-polling handshake, `ns`'s CONNECT over long-polling, then the
/// upgrade to a WebSocket (`2probe`, `3probe`, `5`).
async fn connect_upgraded(port: u16, ns: &str) -> WsClient {
    let (status, _, body) = http(
        port,
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
    let open: serde_json::Value =
        serde_json::from_str(body.trim_start_matches('0')).expect("OPEN packet");
    let sid = open["sid"].as_str().expect("sid").to_owned();
    let packet = connect_packet(ns);
    let (status, _, body) = http(
        port,
        &format!(
            "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{packet}",
            packet.len()
        ),
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = http(
        port,
        &format!(
            "GET /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(
        status == 200 && body.contains(&packet[..2]),
        "{status} {body}"
    );
    // engine.io pings as a session opens: answered over long-polling.
    if body.split('\u{1e}').any(|packet| packet == "2") {
        let (status, _, body) = http(
            port,
            &format!(
                "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n3"
            ),
        );
        assert_eq!(status, 200, "{body}");
    }
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket&sid={sid}");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("upgrade");
    ws.send(Message::text("2probe")).await.expect("probe");
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("3probe"));
    ws.send(Message::text("5")).await.expect("upgrade");
    ws
}

/// `42<ns>,<id>[event, data]`.
fn emit(ns: &str, id: u64, event: &str, data: &serde_json::Value) -> Message {
    let prefix = if ns == "/" {
        String::new()
    } else {
        format!("{ns},")
    };
    Message::text(format!(
        "42{prefix}{id}{}",
        serde_json::json!([event, data])
    ))
}

/// Waits for the ack `id` on `ns`, answering pings and skipping events.
async fn ack(ws: &mut WsClient, ns: &str, id: u64) -> serde_json::Value {
    let prefix = if ns == "/" {
        format!("43{id}")
    } else {
        format!("43{ns},{id}")
    };
    loop {
        let frame = next_text(ws).await.expect("the connection stays up");
        if let Some(rest) = frame.strip_prefix(&prefix)
            && rest.starts_with('[')
        {
            let args: serde_json::Value = serde_json::from_str(rest).expect("ack JSON");
            return args[0].clone();
        }
    }
}

/// The next `count` acks on `ns`, by id: concurrent handlers and refusals
/// answered at once may ack in any order.
async fn acks(ws: &mut WsClient, ns: &str, count: usize) -> BTreeMap<u64, serde_json::Value> {
    let prefix = if ns == "/" {
        "43".to_owned()
    } else {
        format!("43{ns},")
    };
    let mut answers = BTreeMap::new();
    while answers.len() < count {
        let frame = next_text(ws).await.expect("the connection stays up");
        if let Some(rest) = frame.strip_prefix(&prefix)
            && let Some(open) = rest.find('[')
            && let Ok(id) = rest[..open].parse()
        {
            let args: serde_json::Value = serde_json::from_str(&rest[open..]).expect("ack JSON");
            answers.insert(id, args[0].clone());
        }
    }
    answers
}

/// The process's resident set and its peak, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_released_and_leaves_its_rooms() {
    let mut server = GatewayProcess::start(&[("GATESMITH_WRITE_TIMEOUT_MS", "1000")]);
    let port = server.port;
    let mut healthy = connect(port, "/blast").await;
    healthy
        .send(emit("/blast", 1, "join", &"r".into()))
        .await
        .unwrap();
    assert_eq!(ack(&mut healthy, "/blast", 1).await, true);
    // Three members that stop reading: a small receive window, and their
    // streams are never polled again once they have joined.
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut ws = connect(port, "/blast").await;
        ws.send(emit("/blast", 1, "join", &"r".into()))
            .await
            .unwrap();
        assert_eq!(ack(&mut ws, "/blast", 1).await, true);
        stalled.push(ws);
    }
    let mut blaster = connect(port, "/blast").await;
    blaster
        .send(emit("/blast", 1, "members", &"r".into()))
        .await
        .unwrap();
    assert_eq!(ack(&mut blaster, "/blast", 1).await, "4");

    // 2,000 events of 4 KiB to the room: 8 MiB for each member, more than
    // a peer that reads nothing can take into its buffers.
    let count = 2_000;
    let started = Instant::now();
    blaster
        .send(emit(
            "/blast",
            2,
            "blast",
            &serde_json::json!({ "room": "r", "count": count, "bytes": 4096 }),
        ))
        .await
        .unwrap();
    let reader = tokio::spawn(async move {
        let mut heard = 0;
        while heard < count {
            let frame = next_text(&mut healthy)
                .await
                .expect("the healthy member stays connected");
            if frame.starts_with("42/blast,[\"blasted\"") {
                heard += 1;
            }
        }
        (healthy, heard)
    });
    assert_eq!(ack(&mut blaster, "/blast", 2).await, count);
    let (_healthy, heard) = reader.await.unwrap();
    assert_eq!(heard, count, "the member that reads hears every event");

    // Released: each stalled socket is disconnected and out of the room.
    let mut members = String::new();
    for attempt in 3.. {
        blaster
            .send(emit("/blast", attempt, "members", &"r".into()))
            .await
            .unwrap();
        members = ack(&mut blaster, "/blast", attempt)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if members == "1" || started.elapsed() > Duration::from_secs(15) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let released_after = started.elapsed();
    assert_eq!(members, "1", "the stalled members are still in the room");
    // The write timeout (1 s) after their buffers filled, with room for a
    // debug build on a busy machine.
    assert!(
        released_after < Duration::from_secs(8),
        "released only after {released_after:?}"
    );
    server.wait_for_log("slow consumer", Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        server.read_lines();
        let disconnected = (server.stderr.iter())
            .filter(|line| line.contains("client disconnected") && line.contains("blast"))
            .count();
        if disconnected >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "{}", server.stderr.join("\n"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What a stalled client finds once it reads again: its connection was
    // reset, after whatever the kernel had already taken for it.
    let mut ws = stalled.pop().unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stalled connection is still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_held_back_and_leaves_other_clients_every_ack() {
    let mut server = GatewayProcess::start(&[]);
    let port = server.port;
    let pid = server.id();
    let (rss_before, _) = memory(pid);
    let mut growth = Vec::new();
    for flood in [40_000_u64, 200_000] {
        // Ten well-behaved clients, one request in flight each, all along.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut polite = Vec::new();
        for _ in 0..10 {
            let mut ws = connect(port, "/").await;
            let stop = stop.clone();
            polite.push(tokio::spawn(async move {
                let mut answered = 0_u64;
                let mut id = 1;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    ws.send(emit("/", id, "updateAaa", &serde_json::json!({ "id": id })))
                        .await
                        .expect("send");
                    let answer = ack(&mut ws, "/", id).await;
                    assert_eq!(answer, format!("This action updates a #{id} aaa"));
                    answered += 1;
                    id += 1;
                }
                answered
            }));
        }
        // One client that sends without waiting, and reads what comes
        // back, to an event whose handler takes a millisecond: the second
        // flood comes over a WebSocket upgraded from long-polling, as the
        // official client's does.
        let flooder = if flood > 100_000 {
            connect_upgraded(port, "/blast").await
        } else {
            connect(port, "/blast").await
        };
        let (mut sink, mut stream) = flooder.split();
        let pings = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let reading = tokio::spawn({
            let pings = pings.clone();
            async move {
                let mut acks = 0;
                while acks < flood {
                    match stream.next().await {
                        Some(Ok(Message::Text(text))) if text.starts_with("43/blast,") => acks += 1,
                        Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                            pings.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Some(Ok(_)) => {}
                        other => {
                            println!("the flooder's connection ended: {other:?}");
                            break;
                        }
                    }
                }
                acks
            }
        });
        let sent = Instant::now();
        let mut answered_pings = 0;
        for id in 1..=flood {
            sink.feed(emit("/blast", id, "work", &id.into()))
                .await
                .expect("flood");
            if id % 1_000 == 0 {
                sink.flush().await.expect("flood");
                // A flooder is still a client that answers pings.
                while answered_pings < pings.load(std::sync::atomic::Ordering::Relaxed) {
                    sink.send(Message::text("3")).await.expect("pong");
                    answered_pings += 1;
                }
            }
        }
        sink.flush().await.expect("flood");
        let acks = reading.await.unwrap();
        if acks != flood {
            std::thread::sleep(Duration::from_millis(500));
            server.read_lines();
            let log = server.stderr.join("\n");
            panic!("{acks} of {flood} flooded messages answered; the server's log:\n{log}");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for client in polite {
            let answered = client.await.expect("a well-behaved client got every ack");
            assert!(answered > 0);
        }
        let (_, peak) = memory(pid);
        growth.push(peak.saturating_sub(rss_before));
        println!(
            "flood of {flood}: {:?}, peak RSS +{} KiB",
            sent.elapsed(),
            peak - rss_before
        );
    }
    // Five times the flood may not take five times the memory: what a
    // flood holds is bounded by the messages in flight, not by its size.
    // (Before the bound, each waiting message held about 0.7 KiB.)
    assert!(
        growth[1] <= growth[0] + growth[0] / 10 + 4 * 1024,
        "peak RSS growth {} KiB for 40k messages, {} KiB for 200k",
        growth[0],
        growth[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_max_connections_new_clients_get_503_and_the_connected_go_on() {
    let server = GatewayProcess::start(&[("GATESMITH_MAX_CONNECTIONS", "2")]);
    let port = server.port;
    let mut first = connect(port, "/").await;
    let _second = connect(port, "/").await;
    let (status, _, body) = http(
        port,
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("server full"), "{body}");
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let refused = tokio_tungstenite::connect_async(&url).await;
    assert!(refused.is_err(), "a third WebSocket was let in");
    first
        .send(emit("/", 1, "removeAaa", &1.into()))
        .await
        .unwrap();
    assert_eq!(
        ack(&mut first, "/", 1).await,
        "This action removes a #1 aaa"
    );
    first.close(None).await.unwrap();
    drop(first);
    // Once one leaves, a new client gets its place.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, _) = http(
            port,
            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still refused after a client left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let server = GatewayProcess::start(&[("GATESMITH_HEADER_TIMEOUT_MS", "500")]);
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    // hyper answers 408 or just closes; either way the connection ends.
    let _ = slow.read_to_end(&mut rest);
    let closed_after = started.elapsed();
    assert!(
        closed_after >= Duration::from_millis(400) && closed_after < Duration::from_secs(5),
        "closed after {closed_after:?}"
    );
    // Meanwhile and after, whole requests are served.
    let (status, _, _) = http(
        server.port,
        "GET /socket.io.min.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_event_is_refused_with_when_to_retry_and_others_go_on() {
    let server = GatewayProcess::start(&[]);
    let mut eager = connect(server.port, "/blast").await;
    let mut calm = connect(server.port, "/blast").await;
    for id in 1..=5 {
        eager
            .send(emit("/blast", id, "limited", &serde_json::Value::Null))
            .await
            .unwrap();
    }
    // Handlers run concurrently: their acks may come in any order.
    let burst = acks(&mut eager, "/blast", 5).await;
    assert!(
        burst.values().all(|answer| answer == "ok"),
        "the burst of 5 passes: {burst:?}"
    );
    eager
        .send(emit("/blast", 6, "limited", &serde_json::Value::Null))
        .await
        .unwrap();
    let refused = ack(&mut eager, "/blast", 6).await;
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    assert_eq!(refused["event"], "limited");
    let retry_after = refused["retry_after_ms"].as_u64().expect("retry_after_ms");
    assert!((1..=200).contains(&retry_after), "{refused}");
    // Another client has its own budget.
    calm.send(emit("/blast", 1, "limited", &serde_json::Value::Null))
        .await
        .unwrap();
    assert_eq!(ack(&mut calm, "/blast", 1).await, "ok");
    // Waiting as told is enough.
    tokio::time::sleep(Duration::from_millis(retry_after)).await;
    eager
        .send(emit("/blast", 7, "limited", &serde_json::Value::Null))
        .await
        .unwrap();
    assert_eq!(ack(&mut eager, "/blast", 7).await, "ok");
    // Going on regardless, past 20 refusals in a second, disconnects.
    for id in 8..200 {
        if eager
            .send(emit("/blast", id, "limited", &serde_json::Value::Null))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut disconnected = false;
    while let Some(frame) = next_text(&mut eager).await {
        if frame == "41/blast," {
            disconnected = true;
            break;
        }
    }
    assert!(disconnected, "the eager client was not disconnected");
    calm.send(emit("/blast", 2, "members", &"nowhere".into()))
        .await
        .unwrap();
    assert_eq!(
        ack(&mut calm, "/blast", 2).await,
        "0",
        "the calm client goes on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_without_fraction_is_an_integer() {
    let server = GatewayProcess::start(&[]);
    let mut ws = connect(server.port, "/").await;
    for (id, number) in [(1, "1.0"), (2, "1e2"), (3, "-0")] {
        ws.send(Message::text(format!(r#"42{id}["removeAaa",{number}]"#)))
            .await
            .unwrap();
        let expected = match id {
            1 => "This action removes a #1 aaa",
            2 => "This action removes a #100 aaa",
            _ => "This action removes a #0 aaa",
        };
        assert_eq!(ack(&mut ws, "/", id).await, expected, "{number}");
    }
    ws.send(Message::text(r#"424["removeAaa",1.5]"#))
        .await
        .unwrap();
    assert_eq!(ack(&mut ws, "/", 4).await["code"], "invalid_payload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_says_rate_limited_past_its_declared_rate() {
    // specs/chat.yaml: `say` at 20/s, 40 at once.
    let server = GatewayProcess::start_program(env!("CARGO_BIN_EXE_generated-host"), &[]);
    let mut talker = connect(server.port, "/chat").await;
    let mut calm = connect(server.port, "/chat").await;
    for ws in [&mut talker, &mut calm] {
        ws.send(emit(
            "/chat",
            1,
            "join",
            &serde_json::json!({ "room": "r" }),
        ))
        .await
        .unwrap();
        assert_eq!(ack(ws, "/chat", 1).await, "joined r");
    }
    let say = serde_json::json!({ "room": "r", "text": "hi" });
    for id in 2..=56 {
        talker.send(emit("/chat", id, "say", &say)).await.unwrap();
    }
    // Refusals are answered at once, acks once handled: in any order.
    let answers = acks(&mut talker, "/chat", 55).await;
    let mut refused = 0;
    for answer in answers.values() {
        if answer == "sent" {
            continue;
        }
        assert_eq!(answer["code"], "rate_limited", "{answer}");
        assert!(
            answer["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0),
            "{answer}"
        );
        refused += 1;
    }
    // 40 at once, then one every 50 ms: of 55 sent at once, most of the
    // last fifteen are refused.
    assert!(refused >= 5, "{refused} refused");
    calm.send(emit("/chat", 2, "say", &say)).await.unwrap();
    assert_eq!(
        ack(&mut calm, "/chat", 2).await,
        "sent",
        "another client has its own budget"
    );
}
