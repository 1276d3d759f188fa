//! `loadgen run`: C clients each keep W acked requests in flight for D
//! seconds after a warmup, timing every request from send to ack.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use serde::de::IgnoredAny;
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
    /// The event to emit, with an ack id.
    #[arg(long)]
    event: String,
    /// Its payload, as JSON; none when left out.
    #[arg(long)]
    payload: Option<String>,
    /// Connections.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    clients: u32,
    /// Requests each connection keeps in flight: the next is sent as each ack arrives.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    inflight: u32,
    /// Seconds measured, after the warmup.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    duration: u64,
    /// Seconds of load before measuring: not counted.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// The server's process: its CPU time over the measured window is reported.
    #[arg(long)]
    pid: Option<u32>,
}

/// The measured window: acks arriving in [start, end) are counted.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// How many ready frames a client handles before flushing its replies and
/// letting the other clients run.
const BATCH: usize = 64;

struct Shared {
    latencies: Latencies,
    acks: AtomicU64,
    errors: Errors,
    /// One ack as received, shown in the summary: a payload the server
    /// refuses is acked too (with an error), and would otherwise pass for
    /// a fast run.
    sample_ack: OnceLock<String>,
    /// Acks counted per client that ran to the end: a server that serves
    /// some clients and starves others shows here, not in the total.
    per_client: Mutex<Vec<u64>>,
}

pub async fn run(args: Args) -> Result<(), String> {
    let target = Arc::new(prepare(&args.common, args.clients).await?);
    let event = wire::event_args(&args.event, args.payload.as_deref())?;
    let event: Arc<str> = event.into();
    let shared = Arc::new(Shared {
        latencies: Latencies::new(),
        acks: AtomicU64::new(0),
        errors: Errors::default(),
        sample_ack: OnceLock::new(),
        per_client: Mutex::new(Vec::with_capacity(args.clients as usize)),
    });
    let common = Arc::new(args.common);
    let handshakes = handshake_limit(&common);
    let (ready_tx, mut ready) = mpsc::unbounded_channel();
    let (start, started) = watch::channel(None);
    let mut clients = JoinSet::new();
    for _ in 0..args.clients {
        clients.spawn(client(
            Arc::clone(&target),
            Arc::clone(&common),
            Arc::clone(&handshakes),
            Arc::clone(&event),
            args.inflight as usize,
            Arc::clone(&shared),
            ready_tx.clone(),
            started.clone(),
        ));
    }
    drop(ready_tx);
    let connected = await_connections(&mut ready, args.clients).await;

    // Every client starts at once, when all are connected: the warmup
    // absorbs the ramp-up, the window sees the full load only.
    let now = Instant::now();
    let window = Window {
        start: now + Duration::from_secs(args.warmup),
        end: now + Duration::from_secs(args.warmup + args.duration),
    };
    let cpu = cpu_sampler(args.pid, window);
    let _ = start.send(Some(window));
    while let Some(joined) = clients.join_next().await {
        if joined.is_err() {
            shared
                .errors
                .count(&Failure::BadFrame("a client task panicked".to_owned()));
        }
    }
    let cpu = cpu.join().unwrap_or_default();

    let histogram = shared.latencies.snapshot();
    let acks = shared.acks.load(Ordering::Relaxed);
    let per_s = acks as f64 / args.duration as f64;
    let q = |quantile: f64| (acks > 0).then(|| histogram.value_at_quantile(quantile));
    let server_cpu = cpu.server;
    let server_per_10k = server_cpu
        .filter(|_| acks > 0)
        .map(|cpu| round(cpu * 10_000.0 / acks as f64, 4));
    let line = json!({
        "mode": "run",
        "event": args.event,
        "clients": args.clients,
        "inflight": args.inflight,
        "duration_s": args.duration,
        "acks": acks,
        "acks_per_s": round(per_s, 1),
        "p50_us": q(0.5),
        "p99_us": q(0.99),
        "p999_us": q(0.999),
        "max_us": (acks > 0).then(|| histogram.max()),
        "errors": shared.errors.total(),
        "server_cpu_s": server_cpu.map(|cpu| round(cpu, 3)),
        "server_cpu_s_per_10k_acks": server_per_10k,
        "connected": connected,
        "loadgen_cpu_s": cpu.loadgen.map(|cpu| round(cpu, 3)),
    });
    let micros = |v: Option<u64>| v.map_or("-".to_owned(), |v| format!("{v} µs"));
    let mut human = format!(
        "run {}: {connected}/{} clients × {} in flight, {} s after {} s warmup\n  \
         acks {acks} ({:.0}/s)  p50 {}  p99 {}  p99.9 {}  max {}\n  errors {}",
        args.event,
        args.clients,
        args.inflight,
        args.duration,
        args.warmup,
        per_s,
        micros(q(0.5)),
        micros(q(0.99)),
        micros(q(0.999)),
        micros((acks > 0).then(|| histogram.max())),
        shared.errors.describe(),
    );
    if let Some(server) = server_cpu {
        human += &format!("\n  server CPU {server:.2} s");
        if let Some(per) = server_per_10k {
            human += &format!(" ({per:.3} s per 10k acks)");
        }
    }
    let mut per_client = std::mem::take(
        &mut *shared
            .per_client
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    per_client.sort_unstable();
    if let (Some(min), Some(max)) = (per_client.first(), per_client.last()) {
        let median = per_client[per_client.len() / 2];
        human += &format!("\n  acks per client: min {min}, median {median}, max {max}");
    }
    if let Some(ack) = shared.sample_ack.get() {
        human += &format!("\n  an ack: {ack}");
    }
    if let Some(loadgen) = cpu.loadgen {
        human += &format!("\n  loadgen CPU {loadgen:.2} s");
    }
    report(common.json, &human, &line);
    if connected == 0 {
        return Err("no client connected".to_owned());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn client(
    target: Arc<Target>,
    common: Arc<Common>,
    handshakes: Arc<Semaphore>,
    event: Arc<str>,
    inflight: usize,
    shared: Arc<Shared>,
    ready: mpsc::UnboundedSender<bool>,
    mut started: watch::Receiver<Option<Window>>,
) {
    let Some(mut conn) = connect(&target, &common, &handshakes, &shared.errors, &ready).await
    else {
        return;
    };
    drop(ready);
    let result = match conn.hold_until(&mut started).await {
        Ok(window) => load(&mut conn, &event, inflight, window, &shared).await,
        Err(failure) => Err(failure),
    };
    match result {
        Ok(acks) => {
            shared
                .per_client
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(acks);
            conn.close().await;
        }
        Err(failure) => shared.errors.count(&failure),
    }
}

/// Keeps `inflight` requests going until the window ends; returns how many
/// acks it counted.
async fn load(
    conn: &mut Conn,
    event: &str,
    inflight: usize,
    window: Window,
    shared: &Shared,
) -> Result<u64, Failure> {
    let mut counted = 0;
    // Ack ids only increase; acks may come back in any order (socketioxide
    // runs a socket's handlers concurrently), so they are looked up, not
    // assumed to be first in line. The queue holds at most `inflight`.
    let mut next_id = 0u64;
    let mut pending: VecDeque<(u64, Instant)> = VecDeque::with_capacity(inflight);
    let now = Instant::now();
    for _ in 0..inflight {
        conn.feed(wire::event_frame(Some(next_id), event)).await?;
        pending.push_back((next_id, now));
        next_id += 1;
    }
    conn.flush().await?;

    let end = tokio::time::sleep_until(window.end);
    tokio::pin!(end);
    loop {
        let mut message = tokio::select! {
            biased;
            () = &mut end => return Ok(counted),
            message = conn.ws.next() => message,
        };
        // Handle every frame already received, then send all the requests
        // and pongs they caused in one write.
        for _ in 0..BATCH {
            if let Some(text) = wire::text_of(message)? {
                match wire::parse(&text)? {
                    Packet::Ack { id, args } => {
                        let position = pending.iter().position(|(sent, _)| *sent == id);
                        let Some((_, sent)) = position.and_then(|at| pending.remove(at)) else {
                            return Err(Failure::BadFrame(format!(
                                "ack {id} answers no request in flight"
                            )));
                        };
                        serde_json::from_str::<IgnoredAny>(args).map_err(|err| {
                            Failure::BadFrame(format!("ack {id} is not JSON: {err}"))
                        })?;
                        if shared.sample_ack.get().is_none() {
                            let _ = shared.sample_ack.set(args.chars().take(200).collect());
                        }
                        let now = Instant::now();
                        if now >= window.start {
                            shared.latencies.record(now - sent);
                            shared.acks.fetch_add(1, Ordering::Relaxed);
                            counted += 1;
                        }
                        conn.feed(wire::event_frame(Some(next_id), event)).await?;
                        pending.push_back((next_id, now));
                        next_id += 1;
                    }
                    packet => conn.handle(packet).await?,
                }
            }
            // Only what is already there: never wait here.
            match conn.ws.next().now_or_never() {
                Some(next) => message = next,
                None => break,
            }
        }
        conn.flush().await?;
    }
}

/// Server and generator CPU seconds spent in the window.
#[derive(Debug, Default)]
struct Cpu {
    server: Option<f64>,
    loadgen: Option<f64>,
}

/// Reads CPU times at the window's edges from a thread of its own, so that
/// a busy runtime does not delay the readings.
fn cpu_sampler(pid: Option<u32>, window: Window) -> std::thread::JoinHandle<Cpu> {
    let read = move || {
        let server = pid.map(|pid| proc::cpu_seconds(&pid.to_string()));
        let loadgen = proc::cpu_seconds("self");
        (server, loadgen)
    };
    std::thread::spawn(move || {
        sleep_until(window.start);
        let (server_start, loadgen_start) = read();
        sleep_until(window.end);
        let (server_end, loadgen_end) = read();
        let server = match (server_start, server_end) {
            (Some(Ok(start)), Some(Ok(end))) => Some(end - start),
            (Some(Err(err)), _) | (_, Some(Err(err))) => {
                eprintln!("loadgen: cannot read the server's CPU time: {err}");
                None
            }
            _ => None,
        };
        let loadgen = match (loadgen_start, loadgen_end) {
            (Ok(start), Ok(end)) => Some(end - start),
            _ => None,
        };
        Cpu { server, loadgen }
    })
}

fn sleep_until(at: Instant) {
    let at = at.into_std();
    let now = std::time::Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}
