//! What checking payloads against their schema costs, in one run:
//!
//! 1. per message, for a typical DTO (the typed fixture's `CreateUser`:
//!    five fields, an email format, an enum, bounds): decoding alone
//!    (`serde_json::from_str::<CreateUser>`, what a gateway without a schema
//!    does) against what a gateway with one does (read as JSON, check with
//!    [`PayloadSchemas`], the runtime's own checks, then decode);
//! 2. the round trip of that message and its ack over a WebSocket, to a
//!    host on this machine, with and without the schema.
//!
//! Validation's cost is the difference of (1), as a share of the round
//! trip of (2). Rounds alternate the two variants, so both see the same
//! machine; each figure is the median of the rounds.
//!
//! Run: `cargo run --release -p bench-validation [-- ROUNDS]`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use gatesmith_runtime::{EventContext, Gateway, Host, PayloadSchemas};
use gatesmith_typed::typed::{CreateUser, Role, User};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

const DOCUMENT: &str = include_str!("../../../tests/typed/src/typed.schema.json");
const PAYLOAD: &str = r#"{"name":"Ada Lovelace","email":"ada@example.com","role":"admin","age":36,"tags":["math","engines"]}"#;
const DECODES_PER_ROUND: u32 = 100_000;
const TRIPS_PER_ROUND: u32 = 2_000;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(5);
    let schemas = PayloadSchemas::compile(DOCUMENT)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (checked_addr, plain_addr) = runtime.block_on(async {
        let checked = start(true).await?;
        let plain = start(false).await?;
        Ok::<_, Error>((checked, plain))
    })?;

    let mut decode = Vec::new();
    let mut validate = Vec::new();
    let mut read_only = Vec::new();
    let mut check_only = Vec::new();
    let parsed: Value = serde_json::from_str(PAYLOAD)?;
    let mut trip_checked = Vec::new();
    let mut trip_plain = Vec::new();
    for round in 0..rounds {
        decode.push(per_op(DECODES_PER_ROUND, || {
            black_box(serde_json::from_str::<CreateUser>(black_box(PAYLOAD)).ok());
        }));
        validate.push(per_op(DECODES_PER_ROUND, || {
            black_box(checked_decode(&schemas, black_box(PAYLOAD)));
        }));
        read_only.push(per_op(DECODES_PER_ROUND, || {
            black_box(serde_json::from_str::<Value>(black_box(PAYLOAD)).ok());
        }));
        check_only.push(per_op(DECODES_PER_ROUND, || {
            black_box(schemas.check("createUser", black_box(&parsed)));
        }));
        // Alternate which server goes first, so neither always runs warm.
        let (first, second) = if round % 2 == 0 {
            (checked_addr, plain_addr)
        } else {
            (plain_addr, checked_addr)
        };
        let a = runtime.block_on(round_trips(first))?;
        let b = runtime.block_on(round_trips(second))?;
        let (checked, plain) = if round % 2 == 0 { (a, b) } else { (b, a) };
        trip_checked.push(checked);
        trip_plain.push(plain);
    }

    let decode = median(&mut decode);
    let validate = median(&mut validate);
    let read_only = median(&mut read_only);
    let check_only = median(&mut check_only);
    let mut added: Vec<f64> = (trip_checked.iter().zip(&trip_plain))
        .map(|(checked, plain)| checked - plain)
        .collect();
    let added = median(&mut added);
    let trip_checked = median(&mut trip_checked);
    let trip_plain = median(&mut trip_plain);
    let cost = validate - decode;
    println!("rounds: {rounds} (median of each)");
    println!("decode alone:            {decode:>10.0} ns/message");
    println!("read + check + decode:   {validate:>10.0} ns/message");
    println!("  of which read as JSON: {read_only:>10.0} ns/message");
    println!("  of which the check:    {check_only:>10.0} ns/message");
    println!("validation's cost:       {cost:>10.0} ns/message");
    println!("round trip, no schema:   {trip_plain:>10.0} ns");
    println!("round trip, with schema: {trip_checked:>10.0} ns");
    println!("round trip, added:       {added:>10.0} ns (median of the rounds' differences)");
    println!(
        "validation / round trip: {:>10.1} % per message, {:.1} % end to end",
        100.0 * cost / trip_plain,
        100.0 * added / trip_plain
    );
    Ok(())
}

/// What the runtime does with a payload when its gateway has a schema.
fn checked_decode(schemas: &PayloadSchemas, text: &str) -> Option<CreateUser> {
    let value: Value = serde_json::from_str(text).ok()?;
    if !schemas.check("createUser", &value).is_empty() {
        return None;
    }
    serde_json::from_value(value).ok()
}

fn per_op(times: u32, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..times {
        op();
    }
    start.elapsed().as_nanos() as f64 / f64::from(times)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A host on a free port serving `createUser` with an ack, with or without
/// the fixture's schema: the only difference between the two servers.
async fn start(with_schema: bool) -> Result<std::net::SocketAddr, Error> {
    let mut builder = Gateway::builder("typed", "/", ());
    if with_schema {
        builder = builder.schema(DOCUMENT);
    }
    let gateway = builder
        .events(|events| {
            events.on_payload(
                "createUser",
                |_service, _cx: EventContext, user: CreateUser| async move {
                    gatesmith_runtime::Ack(User {
                        id: 1,
                        name: user.name,
                        role: Role::Admin,
                        nickname: None,
                    })
                },
            );
        })
        .build();
    let bound = Host::new().port(0).gateway(gateway).bind().await?;
    let addr = bound.local_addr();
    tokio::spawn(bound.serve_until(std::future::pending()));
    Ok(addr)
}

/// The median round trip, in ns, of `createUser` and its ack, sent one
/// after the other over one socket.io connection on a WebSocket.
async fn round_trips(addr: std::net::SocketAddr) -> Result<f64, Error> {
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let text = |message: Message| match message {
        Message::Text(text) => Some(text.to_string()),
        _ => None,
    };
    // engine.io open, then the socket.io CONNECT to `/`.
    let _open = ws.next().await.ok_or("closed before open")??;
    ws.send(Message::text("40")).await?;
    loop {
        let reply = ws.next().await.ok_or("closed before connect")??;
        if text(reply).is_some_and(|t| t.starts_with("40")) {
            break;
        }
    }
    let mut samples = Vec::with_capacity(TRIPS_PER_ROUND as usize);
    for id in 0..TRIPS_PER_ROUND {
        let sent = Instant::now();
        ws.send(Message::text(format!("42{id}[\"createUser\",{PAYLOAD}]")))
            .await?;
        let ack = format!("43{id}[");
        loop {
            let message = ws.next().await.ok_or("closed before the ack")??;
            match text(message) {
                Some(t) if t == "2" => ws.send(Message::text("3")).await?,
                Some(t) if t.starts_with(&ack) => break,
                _ => {}
            }
        }
        samples.push(sent.elapsed().as_nanos() as f64);
    }
    ws.close(None).await.ok();
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(median(&mut samples))
}
