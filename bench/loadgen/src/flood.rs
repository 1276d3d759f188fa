//! `loadgen flood`: what one client's flood costs the others (issue 13).
//!
//! N polite clients each keep one acked request in flight. Their latency is
//! measured over a window without a flood, then, in the same run and on the
//! same server, while one more client sends M acked messages as fast as it
//! can (never waiting for an ack, reading its acks as they come) until its
//! last ack is back. The server's peak RSS (`VmHWM`) is read before and
//! after the flood. A server that contains the flood gives the polite
//! clients every ack, disconnects none of them, keeps their p99 within a
//! few times the one without the flood, and takes no more memory for a
//! larger flood: what a flood holds is bounded by the messages in flight,
//! not by its size.
//!
//! The flooder runs on a thread and a runtime of its own: on the polite
//! clients' runtime, its writes and the parsing of its acks would queue
//! ahead of their tasks, and the generator would add to the latency it
//! measures.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::de::IgnoredAny;
use serde_json::json;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::{Errors, Latencies, report, round};
use crate::wire::{self, Conn, Failure, Kind, Packet, Target};
use crate::{Common, await_connections, connect, handshake_limit, prepare, proc};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Polite clients, each with one acked request in flight.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    clients: u32,
    /// The polite clients' event, sent with an ack id.
    #[arg(long, default_value = "removeAaa")]
    event: String,
    /// Its payload, as JSON.
    #[arg(long, default_value = "2")]
    payload: String,
    /// Messages the flooder sends, each asking for an ack.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    messages: u64,
    /// The flooder's event; the polite clients' when left out.
    #[arg(long)]
    flood_event: Option<String>,
    /// Its payload, as JSON; the polite clients' when left out.
    #[arg(long)]
    flood_payload: Option<String>,
    /// Seconds measured without the flood, after the warmup; the window
    /// with the flood lasts as long as the flood.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    duration: u64,
    /// Seconds of polite load before measuring: not counted.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Seconds a polite request may wait for its ack before it counts as
    /// lost (the client then sends its next one); the flood ends, its
    /// missing acks lost, when none of them came for as long.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    ack_timeout: u64,
    /// The flooder pauses 1 ms after every N acks it reads, as a client that
    /// reads its acks slower than the server answers (0: it never pauses).
    /// A server that bounds what a client has in flight must count the acks
    /// waiting for that client's queue too.
    #[arg(long, default_value_t = 0)]
    flood_pause_every: u64,
    /// Seconds the flooder waits for all its acks before giving up.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    flood_timeout: u64,
    /// The server's process: its peak RSS and CPU time are read.
    #[arg(long)]
    pid: Option<u32>,
}

/// When the windows start.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    /// The warmup ends and the window without the flood starts.
    measure: Instant,
    /// That window ends and the flood starts.
    flood: Instant,
}

/// The polite requests sent in one window, by send time: a request sent
/// before the flood and answered during it belongs to the window without.
/// The window with the flood ends with the flood's last ack.
struct Window {
    latencies: Latencies,
    acks: AtomicU64,
    lost: AtomicU64,
}

impl Window {
    fn new() -> Self {
        Self {
            latencies: Latencies::new(),
            acks: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        }
    }
}

/// A polite request sent once the flood started. When the flood ends is
/// known only later (a flood whose acks stall ends with its last ack, found
/// by waiting the ack timeout for one more), so these requests are sorted
/// into the window with the flood, or none, once it is known.
#[derive(Debug, Clone, Copy)]
struct Later {
    /// µs after the flood started.
    sent_us: u32,
    /// µs to its ack; [`LOST`] when none came within the timeout.
    latency_us: u32,
}

const LOST: u32 = u32::MAX;

/// Whole µs, within a [`Later`]'s u32 (71 minutes).
fn micros(elapsed: Duration) -> u32 {
    u32::try_from(elapsed.as_micros()).unwrap_or(LOST - 1)
}

struct Shared {
    without: Window,
    /// Requests with no ack within the timeout, whenever sent (the warmup
    /// and the last request after the flood included).
    lost: AtomicU64,
    /// Acks that arrived after their request was counted lost.
    late: AtomicU64,
    errors: Errors,
    /// One polite ack as received: an error ack (a payload the server
    /// refuses) must not pass for a fast one.
    sample_ack: OnceLock<String>,
}

pub async fn flood(args: Args) -> Result<(), String> {
    let target = Arc::new(prepare(&args.common, args.clients + 1).await?);
    let polite_args: Arc<str> = wire::event_args(&args.event, Some(&args.payload))?.into();
    let flood_event = args
        .flood_event
        .clone()
        .unwrap_or_else(|| args.event.clone());
    let flood_plan = FloodPlan {
        args: wire::event_args(
            &flood_event,
            Some(args.flood_payload.as_deref().unwrap_or(&args.payload)),
        )?,
        messages: args.messages,
        pause_every: args.flood_pause_every,
        ack_timeout: Duration::from_secs(args.ack_timeout),
        timeout: Duration::from_secs(args.flood_timeout),
    };
    let pid = args.pid;
    let sample = |when: &str| {
        pid.and_then(|pid| match proc::status(pid) {
            Ok(status) => Some(status),
            Err(err) => {
                eprintln!("loadgen: cannot read the server's status {when}: {err}");
                None
            }
        })
    };
    // The server's CPU seconds, the generator's own (its flooder included:
    // a generator whose core is full adds to the latency it measures), and
    // the machine's (others' builds on a shared machine take the server's
    // or the generator's core for a scheduler tick, a few ms, at a time).
    let cpu = || {
        let server = pid.and_then(|pid| proc::cpu_seconds(&pid.to_string()).ok());
        let machine = proc::machine_cpu_seconds().ok();
        (server, proc::cpu_seconds("self").ok(), machine)
    };
    let at_start = sample("before connecting");

    // The flooder connects first, and waits, answering pings, for its turn.
    let (connected_tx, connected_rx) = oneshot::channel();
    let (go, going) = watch::channel(None);
    let (done_tx, done_rx) = oneshot::channel();
    let connect_timeout = Duration::from_secs(args.common.connect_timeout);
    let flooder_target = Arc::clone(&target);
    let flooder_thread = std::thread::Builder::new()
        .name("flooder".to_owned())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(flooder(
                    flooder_target,
                    connect_timeout,
                    flood_plan,
                    connected_tx,
                    going,
                    done_tx,
                )),
                Err(err) => {
                    let _ = connected_tx.send(Err(format!("no runtime: {err}")));
                }
            }
        })
        .map_err(|err| format!("cannot start the flooder's thread: {err}"))?;
    match connected_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(why)) => return Err(format!("the flooder could not connect: {why}")),
        Err(_) => return Err("the flooder's thread ended before connecting".to_owned()),
    }

    let shared = Arc::new(Shared {
        without: Window::new(),
        lost: AtomicU64::new(0),
        late: AtomicU64::new(0),
        errors: Errors::default(),
        sample_ack: OnceLock::new(),
    });
    let ack_timeout = Duration::from_secs(args.ack_timeout);
    let common = Arc::new(args.common);
    let handshakes = handshake_limit(&common);
    let (ready_tx, mut ready) = mpsc::unbounded_channel();
    let (start, started) = watch::channel(None);
    let (stop, stopping) = watch::channel(false);
    let mut clients = JoinSet::new();
    for _ in 0..args.clients {
        clients.spawn(polite(
            Arc::clone(&target),
            Arc::clone(&common),
            Arc::clone(&handshakes),
            (Arc::clone(&polite_args), ack_timeout),
            Arc::clone(&shared),
            ready_tx.clone(),
            started.clone(),
            stopping.clone(),
        ));
    }
    drop(ready_tx);
    let connected = await_connections(&mut ready, args.clients).await;
    if connected == 0 {
        // Dropping `go` and `start` ends the flooder and the clients.
        return Err("no polite client connected".to_owned());
    }

    let now = Instant::now();
    let timeline = Timeline {
        measure: now + Duration::from_secs(args.warmup),
        flood: now + Duration::from_secs(args.warmup + args.duration),
    };
    let _ = start.send(Some(timeline));
    tokio::time::sleep_until(timeline.measure).await;
    let cpu_measure = cpu();
    tokio::time::sleep_until(timeline.flood).await;
    let cpu_flood = cpu();
    let before = sample("before the flood");
    let _ = go.send(Some(()));
    let outcome = done_rx.await.unwrap_or_else(|_| FloodOutcome {
        failure: Some(Failure::BadFrame(
            "the flooder's thread panicked".to_owned(),
        )),
        ..FloodOutcome::new(Instant::now())
    });
    // For a flood whose acks stalled, the ack timeout after its last ack:
    // the CPU readings with the flood cover that wait too.
    let cpu_end = cpu();
    let cpu_with_window = timeline.flood.elapsed();
    let after = sample("after the flood");
    // Each polite client finishes the request it has in flight (its ack
    // or its timeout), then leaves.
    let _ = stop.send(true);
    let with_s = outcome.end.saturating_duration_since(timeline.flood);
    let end_us = micros(with_s);
    let with_flood = Window::new();
    while let Some(joined) = clients.join_next().await {
        let Ok(later) = joined else {
            shared
                .errors
                .count(&Failure::BadFrame("a client task panicked".to_owned()));
            continue;
        };
        for request in later.iter().filter(|request| request.sent_us < end_us) {
            if request.latency_us == LOST {
                with_flood.lost.fetch_add(1, Ordering::Relaxed);
            } else {
                let latency = Duration::from_micros(request.latency_us.into());
                with_flood.latencies.record(latency);
                with_flood.acks.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let _ = flooder_thread.join();

    let without = Figures::of(&shared.without, Duration::from_secs(args.duration));
    let with = Figures::of(&with_flood, with_s);
    let p99_ratio = match (with.p99, without.p99) {
        (Some(with), Some(without)) if without > 0 => Some(round(with as f64 / without as f64, 2)),
        _ => None,
    };
    let lost = shared.lost.load(Ordering::Relaxed);
    let late = shared.late.load(Ordering::Relaxed);
    let disconnected = shared.errors.of(Kind::Closed);
    let hwm = |status: Option<proc::Status>| status.map(|s| s.hwm_kib);
    let growth = match (before, after) {
        (Some(before), Some(after)) => Some(after.hwm_kib.saturating_sub(before.hwm_kib)),
        _ => None,
    };
    let spent = |from: Option<f64>, to: Option<f64>| from.zip(to).map(|(a, b)| round(b - a, 3));
    let cpu_without = spent(cpu_measure.0, cpu_flood.0);
    let cpu_with = spent(cpu_flood.0, cpu_end.0);
    let loadgen_without = spent(cpu_measure.1, cpu_flood.1);
    let loadgen_with = spent(cpu_flood.1, cpu_end.1);
    // What the machine ran besides the server and this generator.
    let others = |machine: Option<f64>, server: Option<f64>, loadgen: Option<f64>| {
        Some(round((machine? - server? - loadgen?).max(0.0), 3))
    };
    let others_without = others(
        spent(cpu_measure.2, cpu_flood.2),
        cpu_without,
        loadgen_without,
    );
    let others_with = others(spent(cpu_flood.2, cpu_end.2), cpu_with, loadgen_with);
    let line = json!({
        "mode": "flood",
        "event": args.event,
        "flood_event": flood_event,
        "clients": args.clients,
        "inflight": 1,
        "duration_s": args.duration,
        "messages": args.messages,
        "flood_pause_every": args.flood_pause_every,
        "acks_without": without.acks,
        "acks_per_s_without": without.per_s,
        "p50_us_without": without.p50,
        "p99_us_without": without.p99,
        "max_us_without": without.max,
        "acks_with": with.acks,
        "acks_per_s_with": with.per_s,
        "p50_us_with": with.p50,
        "p99_us_with": with.p99,
        "max_us_with": with.max,
        "p99_ratio": p99_ratio,
        "with_window_s": round(with_s.as_secs_f64(), 3),
        "acks_lost": lost,
        "acks_lost_without": shared.without.lost.load(Ordering::Relaxed),
        "acks_lost_with": with_flood.lost.load(Ordering::Relaxed),
        "late_acks": late,
        "disconnected": disconnected,
        "errors": shared.errors.total(),
        "connected": connected,
        "flood_acks": outcome.acks,
        "flood_acks_lost": (outcome.failure.is_none() && !outcome.timed_out)
            .then(|| args.messages - outcome.acks),
        "flood_send_s": outcome.send_s.map(|s| round(s, 3)),
        "flood_s": round(outcome.flood_s, 3),
        "flood_stalled": outcome.stalled,
        "flood_timed_out": outcome.timed_out,
        "flood_failure": outcome.failure.as_ref().map(ToString::to_string),
        "rss_start_kib": at_start.map(|s| s.rss_kib),
        "rss_peak_before_kib": hwm(before),
        "rss_peak_after_kib": hwm(after),
        "rss_peak_growth_kib": growth,
        "rss_after_kib": after.map(|s| s.rss_kib),
        "server_cpu_s_without": cpu_without,
        "server_cpu_s_with": cpu_with,
        "cpu_with_window_s": round(cpu_with_window.as_secs_f64(), 3),
        "loadgen_cpu_s_without": loadgen_without,
        "loadgen_cpu_s_with": loadgen_with,
        "others_cpu_s_without": others_without,
        "others_cpu_s_with": others_with,
    });

    let micros = |v: Option<u64>| v.map_or("-".to_owned(), |v| format!("{v} µs"));
    let window = |name: &str, seconds: f64, f: &Figures| {
        format!(
            "\n  {name} ({seconds:.2} s): acks {} ({:.0}/s)  p50 {}  p99 {}  max {}",
            f.acks,
            f.per_s,
            micros(f.p50),
            micros(f.p99),
            micros(f.max),
        )
    };
    let mut human = format!(
        "flood: {connected}/{} polite clients × 1 {} in flight; one flooder × {} {flood_event}",
        args.clients, args.event, args.messages,
    );
    human += &window("without flood", args.duration as f64, &without);
    human += &window("with flood   ", with_s.as_secs_f64(), &with);
    if let Some(ratio) = p99_ratio {
        human += &format!("\n  p99 with / without: {ratio:.2}");
    }
    human += &format!(
        "\n  polite: {lost} acks lost, {late} late, {disconnected} disconnected; errors {}",
        shared.errors.describe()
    );
    human += &format!(
        "\n  flood: {}/{} acks in {:.2} s (all written after {})",
        outcome.acks,
        args.messages,
        outcome.flood_s,
        outcome
            .send_s
            .map_or("-".to_owned(), |s| format!("{s:.2} s")),
    );
    if outcome.stalled {
        human += &format!(
            ", then none for {} s: {} lost",
            args.ack_timeout,
            args.messages - outcome.acks
        );
    }
    if outcome.timed_out {
        human += &format!(", gave up after {} s", args.flood_timeout);
    }
    if let Some(failure) = &outcome.failure {
        human += &format!(", stopped: {failure}");
    }
    if let (Some(before), Some(after), Some(growth)) = (before, after, growth) {
        human += &format!(
            "\n  server peak RSS {} → {} KiB (+{growth} KiB); RSS after {} KiB",
            before.hwm_kib, after.hwm_kib, after.rss_kib
        );
    }
    if let (Some(without), Some(with)) = (cpu_without, cpu_with) {
        human += &format!("\n  server CPU {without:.2} s without, {with:.2} s with the flood");
    }
    if let (Some(without), Some(with)) = (loadgen_without, loadgen_with) {
        human += &format!("\n  loadgen CPU {without:.2} s without, {with:.2} s with the flood");
    }
    if let (Some(without), Some(with)) = (others_without, others_with) {
        human +=
            &format!("\n  other processes' CPU {without:.2} s without, {with:.2} s with the flood");
    }
    if let Some(ack) = shared.sample_ack.get() {
        human += &format!("\n  a polite ack: {ack}");
    }
    if let Some(ack) = &outcome.sample_ack {
        human += &format!("\n  a flood ack: {ack}");
    }
    report(common.json, &human, &line);
    Ok(())
}

/// A window's figures, for the report.
struct Figures {
    acks: u64,
    per_s: f64,
    p50: Option<u64>,
    p99: Option<u64>,
    max: Option<u64>,
}

impl Figures {
    fn of(window: &Window, length: Duration) -> Self {
        let histogram = window.latencies.snapshot();
        let acks = window.acks.load(Ordering::Relaxed);
        let seconds = length.as_secs_f64();
        let q = |quantile: f64| (acks > 0).then(|| histogram.value_at_quantile(quantile));
        Self {
            acks,
            per_s: if seconds > 0.0 {
                round(acks as f64 / seconds, 1)
            } else {
                0.0
            },
            p50: q(0.5),
            p99: q(0.99),
            max: (acks > 0).then(|| histogram.max()),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn polite(
    target: Arc<Target>,
    common: Arc<Common>,
    handshakes: Arc<Semaphore>,
    (args, ack_timeout): (Arc<str>, Duration),
    shared: Arc<Shared>,
    ready: mpsc::UnboundedSender<bool>,
    mut started: watch::Receiver<Option<Timeline>>,
    stopping: watch::Receiver<bool>,
) -> Vec<Later> {
    let mut later = Vec::new();
    let Some(mut conn) = connect(&target, &common, &handshakes, &shared.errors, &ready).await
    else {
        return later;
    };
    drop(ready);
    let result = match conn.hold_until(&mut started).await {
        Ok(timeline) => {
            let plan = (args.as_ref(), ack_timeout, timeline);
            requests(&mut conn, plan, &shared, &stopping, &mut later).await
        }
        Err(failure) => Err(failure),
    };
    match result {
        Ok(()) => conn.close().await,
        Err(failure) => shared.errors.count(&failure),
    }
    later
}

/// One request at a time until told to stop. Each waits for its ack up to
/// the timeout; one that times out counts as lost, and the next one goes.
/// Requests sent once the flood started go to `later`.
async fn requests(
    conn: &mut Conn,
    (args, ack_timeout, timeline): (&str, Duration, Timeline),
    shared: &Shared,
    stopping: &watch::Receiver<bool>,
    later: &mut Vec<Later>,
) -> Result<(), Failure> {
    let mut id = 0u64;
    while !*stopping.borrow() {
        let sent = Instant::now();
        conn.feed(wire::event_frame(Some(id), args)).await?;
        conn.flush().await?;
        let answered = ack(conn, id, sent + ack_timeout, shared).await?;
        if answered.is_none() {
            shared.lost.fetch_add(1, Ordering::Relaxed);
        }
        if sent >= timeline.flood {
            later.push(Later {
                sent_us: micros(sent - timeline.flood),
                latency_us: answered.map_or(LOST, |at| micros(at - sent)),
            });
        } else if sent >= timeline.measure {
            let window = &shared.without;
            match answered {
                Some(at) => {
                    window.latencies.record(at - sent);
                    window.acks.fetch_add(1, Ordering::Relaxed);
                }
                None => {
                    window.lost.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        id += 1;
    }
    Ok(())
}

/// Waits for the ack of request `id` until `deadline`, answering pings;
/// returns when it arrived, or `None` if the deadline came first.
async fn ack(
    conn: &mut Conn,
    id: u64,
    deadline: Instant,
    shared: &Shared,
) -> Result<Option<Instant>, Failure> {
    let timeout = tokio::time::sleep_until(deadline);
    tokio::pin!(timeout);
    loop {
        let text = tokio::select! {
            biased;
            text = conn.next_text() => text?,
            () = &mut timeout => return Ok(None),
        };
        match wire::parse(&text)? {
            Packet::Ack { id: got, args } if got == id => {
                let at = Instant::now();
                serde_json::from_str::<IgnoredAny>(args)
                    .map_err(|err| Failure::BadFrame(format!("ack {id} is not JSON: {err}")))?;
                if shared.sample_ack.get().is_none() {
                    let _ = shared.sample_ack.set(args.chars().take(200).collect());
                }
                return Ok(Some(at));
            }
            // The answer to a request already counted lost.
            Packet::Ack { id: got, .. } if got < id => {
                shared.late.fetch_add(1, Ordering::Relaxed);
            }
            Packet::Ack { id: got, .. } => {
                return Err(Failure::BadFrame(format!(
                    "ack {got} answers no request sent"
                )));
            }
            packet => {
                conn.handle(packet).await?;
                conn.flush().await?;
            }
        }
    }
}

/// What the flooder sends.
struct FloodPlan {
    /// The event's arguments, as JSON.
    args: String,
    messages: u64,
    /// Pause 1 ms after this many acks read (0: never).
    pause_every: u64,
    /// How long without an ack stalls the flood: a server that drops acks
    /// would otherwise keep it waiting for ever.
    ack_timeout: Duration,
    /// How long the whole flood may take.
    timeout: Duration,
}

/// What the flood did.
struct FloodOutcome {
    /// Acks it got back.
    acks: u64,
    /// Seconds from its first message until the last was written to the
    /// socket (the server had then read all but what the kernel holds).
    send_s: Option<f64>,
    /// Seconds from its first message to its last ack (to giving up when it
    /// timed out).
    flood_s: f64,
    /// When it ended: its last ack, or giving up.
    end: Instant,
    /// No ack came for the ack timeout: the missing ones are lost.
    stalled: bool,
    timed_out: bool,
    /// Why it stopped before its last ack, if it did.
    failure: Option<Failure>,
    sample_ack: Option<String>,
}

impl FloodOutcome {
    fn new(end: Instant) -> Self {
        Self {
            acks: 0,
            send_s: None,
            flood_s: 0.0,
            end,
            stalled: false,
            timed_out: false,
            failure: None,
            sample_ack: None,
        }
    }
}

/// The flooding client, on its own runtime: connects, reports it on
/// `connected`, holds until `go`, floods, and sends what happened on `done`.
async fn flooder(
    target: Arc<Target>,
    connect_timeout: Duration,
    plan: FloodPlan,
    connected: oneshot::Sender<Result<(), String>>,
    mut go: watch::Receiver<Option<()>>,
    done: oneshot::Sender<FloodOutcome>,
) {
    let mut conn = match tokio::time::timeout(connect_timeout, Conn::connect(&target)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(failure)) => {
            let _ = connected.send(Err(failure.to_string()));
            return;
        }
        Err(_) => {
            let _ = connected.send(Err(format!(
                "no CONNECT within {}s",
                connect_timeout.as_secs()
            )));
            return;
        }
    };
    let _ = connected.send(Ok(()));
    let outcome = match conn.hold_until(&mut go).await {
        Ok(()) => send_flood(conn, &plan).await,
        Err(failure) => FloodOutcome {
            failure: Some(failure),
            ..FloodOutcome::new(Instant::now())
        },
    };
    let _ = done.send(outcome);
}

/// Sends every message without waiting, while reading the acks as they
/// come; pongs go out among the messages, so the server gets them in turn.
async fn send_flood(conn: Conn, plan: &FloodPlan) -> FloodOutcome {
    let closed = |err: tokio_tungstenite::tungstenite::Error| Failure::Closed(err.to_string());
    let start = Instant::now();
    let (mut sink, mut stream) = conn.ws.split();
    let written = Cell::new(None);
    let acks = Cell::new(0u64);
    let last_ack = Cell::new(start);
    let mut sample_ack = None;
    let (pong, mut pongs) = mpsc::unbounded_channel::<()>();
    let write = async {
        for id in 0..plan.messages {
            while pongs.try_recv().is_ok() {
                sink.feed(Message::text("3")).await.map_err(closed)?;
            }
            sink.feed(wire::event_frame(Some(id), &plan.args))
                .await
                .map_err(closed)?;
        }
        sink.flush().await.map_err(closed)?;
        written.set(Some(Instant::now()));
        while pongs.recv().await.is_some() {
            sink.send(Message::text("3")).await.map_err(closed)?;
        }
        Ok(())
    };
    // Ok(false): stalled, no ack for the ack timeout.
    let read = async {
        while acks.get() < plan.messages {
            let message = tokio::select! {
                message = stream.next() => message,
                () = tokio::time::sleep_until(last_ack.get() + plan.ack_timeout) => return Ok(false),
            };
            let Some(text) = wire::text_of(message)? else {
                continue;
            };
            match wire::parse(&text)? {
                Packet::Ack { args, .. } => {
                    acks.set(acks.get() + 1);
                    last_ack.set(Instant::now());
                    if plan.pause_every > 0 && acks.get().is_multiple_of(plan.pause_every) {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    if sample_ack.is_none() {
                        sample_ack = Some(args.chars().take(200).collect());
                    }
                }
                Packet::Ping => {
                    let _ = pong.send(());
                }
                Packet::Ignored | Packet::Event(_) => {}
                Packet::Close => return Err(Failure::Closed("engine.io CLOSE".to_owned())),
                Packet::Disconnected => {
                    return Err(Failure::Closed("socket.io DISCONNECT".to_owned()));
                }
                other => return Err(Failure::BadFrame(format!("unexpected {other:?}"))),
            }
        }
        Ok(true)
    };
    let result = tokio::time::timeout(plan.timeout, async {
        tokio::select! {
            result = read => result,
            // Ends first only on an error: it answers pings until the
            // reader is done.
            result = write => result.map(|()| true),
        }
    })
    .await;
    let (stalled, timed_out, failure) = match result {
        Ok(Ok(complete)) => (!complete, false, None),
        Ok(Err(failure)) => (false, false, Some(failure)),
        Err(_) => (false, true, None),
    };
    // A flood that got every ack, or stalled, ended with its last ack; one
    // that failed or timed out, now.
    let end = if failure.is_none() && !timed_out {
        last_ack.get()
    } else {
        Instant::now()
    };
    if !timed_out
        && !stalled
        && failure.is_none()
        && let Ok(mut ws) = sink.reunite(stream)
    {
        let _ = tokio::time::timeout(Duration::from_secs(5), ws.close(None)).await;
    }
    FloodOutcome {
        acks: acks.get(),
        send_s: written.get().map(|at: Instant| (at - start).as_secs_f64()),
        flood_s: (end - start).as_secs_f64(),
        end,
        stalled,
        timed_out,
        failure,
        sample_ack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_fit_a_later_and_never_pass_for_lost() {
        assert_eq!(micros(Duration::from_micros(1234)), 1234);
        assert_eq!(micros(Duration::from_secs(10_000)), LOST - 1);
    }
}
