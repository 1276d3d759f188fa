//! Graceful shutdown: on Ctrl-C or SIGTERM, refuse new sessions and
//! messages, let running handlers send their acks, then disconnect clients
//! so that they reconnect elsewhere.

use std::time::Duration;

use tokio_util::task::TaskTracker;

use crate::adapter::{Io, with_io};

/// How long shutdown waits for in-flight handlers before disconnecting.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown lets long-polling clients fetch the acks sent last,
/// once the handlers are done and before clients are disconnected (only
/// when some client uses long-polling).
pub const POLLING_FLUSH: Duration = Duration::from_millis(500);

/// How long, once every client is disconnected, HTTP requests still under
/// way (a page download, a request still arriving) may take before
/// shutdown returns without them.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Once `shutdown` completes: refuses new messages and sessions (closing
/// `in_flight`, which the dispatch and the HTTP layer watch), waits for the
/// running handlers, lets long-polling clients fetch their last acks, and
/// disconnects every client.
pub(crate) async fn drain(shutdown: impl Future<Output = ()>, io: &Io, in_flight: &TaskTracker) {
    shutdown.await;
    in_flight.close();
    tracing::info!(
        handlers = in_flight.len(),
        "shutting down: finishing in-flight handlers"
    );
    if tokio::time::timeout(DRAIN_TIMEOUT, in_flight.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            handlers = in_flight.len(),
            "handlers still running after {DRAIN_TIMEOUT:?}: disconnecting anyway"
        );
    }
    // A long-polling client gets what was sent to it with its next
    // request: closing its session before that request comes would lose
    // the acks just sent. It asks again as soon as it has its last answer,
    // so a moment is enough.
    let polling = with_io!(io, |io| (io.nsps().into_iter())
        .flat_map(|ns| ns.sockets())
        .any(|socket| socket.transport_type() == socketioxide::TransportType::Polling));
    if polling {
        tokio::time::sleep(POLLING_FLUSH).await;
    }
    tracing::info!("shutting down: disconnecting clients");
    with_io!(io, |io| io.close().await);
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed
/// when this is called, not when it is first polled: a signal that comes
/// right after "serving on" must start the graceful shutdown, not kill the
/// process with the default action.
pub(crate) fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &'static str| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(err) => {
                tracing::error!(%err, "cannot listen for {name}");
                None
            }
        };
        let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
        let terminate = listen(SignalKind::terminate(), "SIGTERM");
        let received = |stream: Option<tokio::signal::unix::Signal>| async move {
            match stream {
                Some(mut stream) => {
                    stream.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        async move {
            tokio::select! {
                () = received(interrupt) => {}
                () = received(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}
