//! `loadgen idle`: the server's memory per connection, from its RSS before
//! any client connects and while N clients are connected and idle.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::stats::{Errors, report, round};
use crate::wire::Target;
use crate::{Common, await_connections, connect, handshake_limit, prepare, proc};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Connections to open and hold.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    clients: u32,
    /// Seconds to hold them, all connected, before reading the RSS again.
    #[arg(long, default_value_t = 5)]
    hold: u64,
    /// The server's process, whose RSS is read.
    #[arg(long)]
    pid: u32,
}

/// How long clients get to close once the reading is taken.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

pub async fn idle(args: Args) -> Result<(), String> {
    let target = Arc::new(prepare(&args.common, args.clients).await?);
    let server = |when: &str| {
        proc::status(args.pid)
            .map_err(|err| format!("cannot read the server's status {when}: {err}"))
    };
    let before = server("before connecting")?;
    let common = Arc::new(args.common);
    let handshakes = handshake_limit(&common);
    let errors = Arc::new(Errors::default());
    let (ready_tx, mut ready) = mpsc::unbounded_channel();
    let (stop, stopping) = watch::channel(None);
    let mut clients = JoinSet::new();
    for _ in 0..args.clients {
        clients.spawn(client(
            Arc::clone(&target),
            Arc::clone(&common),
            Arc::clone(&handshakes),
            Arc::clone(&errors),
            ready_tx.clone(),
            stopping.clone(),
        ));
    }
    drop(ready_tx);
    let connected = await_connections(&mut ready, args.clients).await;
    tokio::time::sleep(Duration::from_secs(args.hold)).await;
    let after = server("while the clients are connected")?;
    let _ = stop.send(Some(()));
    // Clients that stopped answering would hold the generator up: give up
    // on them after a while, they are not part of the reading.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while clients.join_next().await.is_some() {}
    })
    .await;

    let grown = after.rss_kib as f64 - before.rss_kib as f64;
    let per_client = (connected > 0).then(|| round(grown / f64::from(connected), 2));
    let line = json!({
        "mode": "idle",
        "clients": args.clients,
        "rss_before_kib": before.rss_kib,
        "rss_after_kib": after.rss_kib,
        "rss_per_client_kib": per_client,
        "connected": connected,
        "errors": errors.total(),
        "threads_before": before.threads,
        "threads_after": after.threads,
    });
    let human = format!(
        "idle: {connected}/{} clients held {} s\n  server RSS {} KiB → {} KiB ({} KiB per client), threads {} → {}\n  errors {}",
        args.clients,
        args.hold,
        before.rss_kib,
        after.rss_kib,
        per_client.map_or("-".to_owned(), |kib| format!("{kib:.2}")),
        before.threads,
        after.threads,
        errors.describe(),
    );
    report(common.json, &human, &line);
    if connected == 0 {
        return Err("no client connected".to_owned());
    }
    Ok(())
}

async fn client(
    target: Arc<Target>,
    common: Arc<Common>,
    handshakes: Arc<Semaphore>,
    errors: Arc<Errors>,
    ready: mpsc::UnboundedSender<bool>,
    mut stopping: watch::Receiver<Option<()>>,
) {
    let Some(mut conn) = connect(&target, &common, &handshakes, &errors, &ready).await else {
        return;
    };
    drop(ready);
    match conn.hold_until(&mut stopping).await {
        Ok(()) => conn.close().await,
        Err(failure) => errors.count(&failure),
    }
}
