//! `loadgen delayed`: each client emits an event once and times each reply
//! it gets against its due time: send time + 0, 2000, 5000 ms, in order of
//! arrival, as `findAllAaa` promises. With `--pid`, the server's memory and
//! threads before, while replies are pending, and after the clients left.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::stats::{Errors, Latencies, report, round};
use crate::wire::{self, Conn, Failure, Packet, Target};
use crate::{Common, await_connections, connect, handshake_limit, prepare, proc};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Clients, each emitting the event once.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    clients: u32,
    /// The event to emit.
    #[arg(long, default_value = "findAllAaa")]
    event: String,
    /// Its payload, as JSON; none when left out.
    #[arg(long)]
    payload: Option<String>,
    /// Ask for an ack (the id is sent, the ack itself is not awaited).
    /// findAllAaa sends none, so by default none is asked.
    #[arg(long)]
    with_ack: bool,
    /// The event the replies come as.
    #[arg(long, default_value = "guang")]
    reply_event: String,
    /// When each reply is due, in ms after the request, in order.
    #[arg(long, default_value = "0,2000,5000", value_delimiter = ',')]
    due_ms: Vec<u64>,
    /// Seconds to wait past the last due time before giving up on a reply.
    #[arg(long, default_value_t = 3)]
    grace: u64,
    /// The server's process: its RSS and threads are read.
    #[arg(long)]
    pid: Option<u32>,
    /// Spread the clients' requests evenly over this many ms instead of
    /// sending them all at once. At once, the replies fall due together and
    /// their lateness measures how fast the server drains a burst; spread,
    /// it measures how punctually timers fire.
    #[arg(long, default_value_t = 0)]
    spread_ms: u64,
}

/// When the "pending" reading is taken: after the immediate replies, before
/// the first delayed one.
const PENDING_PROBE: Duration = Duration::from_secs(1);
/// How long after the last client left the "after" reading is taken.
const SETTLE: Duration = Duration::from_secs(3);

struct Shared {
    lateness: Latencies,
    received: AtomicU64,
    /// Replies beyond those expected.
    extra: AtomicU64,
    errors: Errors,
}

pub async fn delayed(args: Args) -> Result<(), String> {
    if args.due_ms.is_empty() {
        return Err("--due-ms needs at least one due time".to_owned());
    }
    let target = Arc::new(prepare(&args.common, args.clients).await?);
    let frame = wire::event_args(&args.event, args.payload.as_deref())?;
    let reply = serde_json::to_string(&args.reply_event).map_err(|err| err.to_string())?;
    let sample = |when: &str| {
        args.pid.and_then(|pid| match proc::status(pid) {
            Ok(status) => Some(status),
            Err(err) => {
                eprintln!("loadgen: cannot read the server's status {when}: {err}");
                None
            }
        })
    };
    let before = sample("before connecting");
    let plan = Arc::new(Plan {
        frame,
        with_ack: args.with_ack,
        reply,
        due: args
            .due_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect(),
        give_up: Duration::from_millis(args.due_ms.iter().copied().max().unwrap_or(0))
            + Duration::from_secs(args.grace),
    });
    let shared = Arc::new(Shared {
        lateness: Latencies::new(),
        received: AtomicU64::new(0),
        extra: AtomicU64::new(0),
        errors: Errors::default(),
    });
    let common = Arc::new(args.common);
    let handshakes = handshake_limit(&common);
    let (ready_tx, mut ready) = mpsc::unbounded_channel();
    let (start, started) = watch::channel(None);
    let mut clients = JoinSet::new();
    for index in 0..args.clients {
        let offset =
            Duration::from_millis(args.spread_ms * u64::from(index) / u64::from(args.clients));
        clients.spawn(client(
            Arc::clone(&target),
            Arc::clone(&common),
            Arc::clone(&handshakes),
            Arc::clone(&plan),
            Arc::clone(&shared),
            ready_tx.clone(),
            Start {
                signal: started.clone(),
                offset,
            },
        ));
    }
    drop(ready_tx);
    let connected = await_connections(&mut ready, args.clients).await;

    // All clients emit together, so that the server holds every pending
    // reply at once when the second reading is taken.
    let _ = start.send(Some(()));
    tokio::time::sleep(PENDING_PROBE).await;
    let pending = sample("while replies are pending");
    while let Some(joined) = clients.join_next().await {
        if joined.is_err() {
            shared
                .errors
                .count(&Failure::BadFrame("a client task panicked".to_owned()));
        }
    }
    tokio::time::sleep(SETTLE).await;
    let after = sample("after the clients left");

    let histogram = shared.lateness.snapshot();
    let received = shared.received.load(Ordering::Relaxed);
    let expected = u64::from(args.clients) * plan.due.len() as u64;
    let ms = |quantile: f64| {
        (received > 0).then(|| round(histogram.value_at_quantile(quantile) as f64 / 1000.0, 3))
    };
    let max_ms = (received > 0).then(|| round(histogram.max() as f64 / 1000.0, 3));
    let rss = |status: Option<proc::Status>| status.map(|s| s.rss_kib);
    let threads = |status: Option<proc::Status>| status.map(|s| s.threads);
    let extra = shared.extra.load(Ordering::Relaxed);
    let line = json!({
        "mode": "delayed",
        "event": args.event,
        "clients": args.clients,
        "connected": connected,
        "expected": expected,
        "received": received,
        "unexpected": extra,
        "lateness_p50_ms": ms(0.5),
        "lateness_p99_ms": ms(0.99),
        "lateness_max_ms": max_ms,
        "errors": shared.errors.total(),
        "rss_before_kib": rss(before),
        "threads_before": threads(before),
        "rss_pending_kib": rss(pending),
        "threads_pending": threads(pending),
        "rss_after_kib": rss(after),
        "threads_after": threads(after),
    });
    let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3} ms"));
    let mut human = format!(
        "delayed {}: {connected}/{} clients, {received}/{expected} replies ({extra} unexpected)\n  \
         lateness p50 {}  p99 {}  max {}\n  errors {}",
        args.event,
        args.clients,
        show(ms(0.5)),
        show(ms(0.99)),
        show(max_ms),
        shared.errors.describe(),
    );
    if let (Some(b), Some(p), Some(a)) = (before, pending, after) {
        human += &format!(
            "\n  server RSS {} → {} → {} KiB, threads {} → {} → {} (before, pending, after)",
            b.rss_kib, p.rss_kib, a.rss_kib, b.threads, p.threads, a.threads
        );
    }
    report(common.json, &human, &line);
    if connected == 0 {
        return Err("no client connected".to_owned());
    }
    Ok(())
}

/// What each client sends and expects.
struct Plan {
    frame: String,
    with_ack: bool,
    /// The reply event's name, quoted as in JSON.
    reply: String,
    due: Vec<Duration>,
    give_up: Duration,
}

/// When a client sends its request: `offset` after the common signal.
struct Start {
    signal: watch::Receiver<Option<()>>,
    offset: Duration,
}

async fn client(
    target: Arc<Target>,
    common: Arc<Common>,
    handshakes: Arc<Semaphore>,
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    ready: mpsc::UnboundedSender<bool>,
    mut start: Start,
) {
    let Some(mut conn) = connect(&target, &common, &handshakes, &shared.errors, &ready).await
    else {
        return;
    };
    drop(ready);
    let result = match conn.hold_until(&mut start.signal).await {
        Ok(()) => {
            tokio::time::sleep(start.offset).await;
            await_replies(&mut conn, &plan, &shared).await
        }
        Err(failure) => Err(failure),
    };
    match result {
        Ok(()) => conn.close().await,
        Err(failure) => shared.errors.count(&failure),
    }
}

/// Emits once, then takes the replies as they come until all are in or the
/// last is overdue by the grace period.
async fn await_replies(conn: &mut Conn, plan: &Plan, shared: &Shared) -> Result<(), Failure> {
    conn.feed(wire::event_frame(plan.with_ack.then_some(0), &plan.frame))
        .await?;
    conn.flush().await?;
    let sent = Instant::now();
    let give_up = tokio::time::sleep_until(sent + plan.give_up);
    tokio::pin!(give_up);
    let mut replies = 0;
    while replies < plan.due.len() {
        let text = tokio::select! {
            () = &mut give_up => return Ok(()),
            text = conn.next_text() => text?,
        };
        match wire::parse(&text)? {
            Packet::Event(args) if wire::is_event(args, &plan.reply) => {
                let due = sent + plan.due[replies];
                shared
                    .lateness
                    .record(Instant::now().saturating_duration_since(due));
                shared.received.fetch_add(1, Ordering::Relaxed);
                replies += 1;
            }
            // The ack asked for with --with-ack, if the server sends one.
            Packet::Ack { .. } if plan.with_ack => {}
            packet => {
                conn.handle(packet).await?;
                conn.flush().await?;
            }
        }
    }
    // Replies beyond the expected ones would show as `unexpected`: wait a
    // moment for any, as a client that leaves at once would miss them.
    let linger = tokio::time::sleep(Duration::from_millis(200));
    tokio::pin!(linger);
    loop {
        let text = tokio::select! {
            () = &mut linger => return Ok(()),
            text = conn.next_text() => text?,
        };
        match wire::parse(&text)? {
            Packet::Event(args) if wire::is_event(args, &plan.reply) => {
                shared.extra.fetch_add(1, Ordering::Relaxed);
            }
            packet => {
                conn.handle(packet).await?;
                conn.flush().await?;
            }
        }
    }
}
