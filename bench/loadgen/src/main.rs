//! `loadgen`: a socket.io load generator for the benchmark (bench/README.md).
//!
//! It speaks engine.io v4 / socket.io v5 itself over one WebSocket per client
//! (tokio-tungstenite, no polling), so that the generator costs little next
//! to the server it measures: by default everything runs on one thread.

// `loadgen flood`'s JSON line has more fields than json!'s default
// recursion limit allows.
#![recursion_limit = "256"]

mod delayed;
mod flood;
mod idle;
mod proc;
mod run;
mod stats;
mod wire;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tokio::sync::{Semaphore, mpsc};

use crate::stats::Errors;
use crate::wire::{Conn, Failure, Target};

/// A socket.io load generator: engine.io v4 / socket.io v5 over WebSocket.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version)]
struct Cli {
    /// Worker threads of the generator: 1 runs every client on one thread
    /// (tokio's current_thread runtime), more use a multi_thread runtime.
    #[arg(long, global = true, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,

    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Throughput and latency: C clients each keep W acked requests in flight.
    Run(run::Args),
    /// Memory per connection: the server's RSS before and after N idle clients.
    Idle(idle::Args),
    /// Delayed replies: each client emits once and times each reply against its due time.
    Delayed(delayed::Args),
    /// Containment: polite clients' latency without and with one client flooding.
    Flood(flood::Args),
}

/// What every mode takes.
#[derive(Debug, clap::Args)]
struct Common {
    /// The server: ws://HOST:PORT (the socket.io path and query are added).
    #[arg(long, default_value = "ws://127.0.0.1:3000")]
    url: String,
    /// Also print the result as one JSON line on stdout (the summary goes to stderr).
    #[arg(long)]
    json: bool,
    /// How many clients may be connecting at once.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    batch: u32,
    /// Seconds a client may take to connect (WebSocket, OPEN, CONNECT).
    #[arg(long, default_value_t = 10)]
    connect_timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match cli.threads {
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        threads => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(usize::from(threads))
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("loadgen: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.mode {
            Mode::Run(args) => run::run(args).await,
            Mode::Idle(args) => idle::idle(args).await,
            Mode::Delayed(args) => delayed::delayed(args).await,
            Mode::Flood(args) => flood::flood(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("loadgen: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves the server and checks that this process may open `clients`
/// sockets.
async fn prepare(common: &Common, clients: u32) -> Result<Target, String> {
    let limit = proc::raise_open_files();
    // A few descriptors beyond the sockets: stdio, the runtime's own.
    if u64::from(clients) + 16 > limit {
        return Err(format!(
            "{clients} clients need more open files than this process may have ({limit}): raise `ulimit -n`"
        ));
    }
    Target::resolve(&common.url).await
}

/// Connects one client, at most `batch` at a time across the run, and
/// reports on `ready` whether it made it (a failure is counted in `errors`).
async fn connect(
    target: &Target,
    common: &Common,
    handshakes: &Semaphore,
    errors: &Errors,
    ready: &mpsc::UnboundedSender<bool>,
) -> Option<Conn> {
    let connected = match handshakes.acquire().await {
        Ok(_permit) => {
            let timeout = Duration::from_secs(common.connect_timeout);
            match tokio::time::timeout(timeout, Conn::connect(target)).await {
                Ok(result) => result,
                Err(_) => Err(Failure::Connect(format!(
                    "no CONNECT within {}s",
                    common.connect_timeout
                ))),
            }
        }
        // Never closed while clients run.
        Err(_) => Err(Failure::Connect("run aborted".to_owned())),
    };
    let conn = connected.map_err(|failure| errors.count(&failure)).ok();
    // The receiver lives until every client has reported.
    let _ = ready.send(conn.is_some());
    conn
}

/// Waits until all `clients` have reported; returns how many connected.
async fn await_connections(ready: &mut mpsc::UnboundedReceiver<bool>, clients: u32) -> u32 {
    let mut connected = 0;
    for _ in 0..clients {
        match ready.recv().await {
            Some(true) => connected += 1,
            Some(false) => {}
            None => break,
        }
    }
    connected
}

/// Shared by the clients of one run.
fn handshake_limit(common: &Common) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(common.batch as usize))
}
