//! The accept loop of a bound host: each connection wrapped under the
//! host's rules ([`crate::connection`]), served by hyper with a header read
//! timeout, and shut down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio_util::sync::CancellationToken;
use tokio_util::task::{AbortOnDropHandle, TaskTracker};
use tower::ServiceExt;

use crate::adapter::Io;
use crate::connection::{Connection, GuardedIo};
use crate::http::{self, Admission};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::session::Sessions;
use crate::shutdown::{CLOSE_TIMEOUT, drain};

/// A host whose port is bound.
#[derive(Debug)]
pub struct Bound {
    pub(crate) listener: tokio::net::TcpListener,
    pub(crate) local_addr: SocketAddr,
    pub(crate) router: Router,
    pub(crate) io: Io,
    pub(crate) in_flight: TaskTracker,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) limits: Limits,
    /// Watches the Redis connection, if any, for as long as the host lives.
    pub(crate) redis_watch: Option<AbortOnDropHandle<()>>,
    pub(crate) metrics: Arc<Metrics>,
    /// The metrics' own address and what it serves, when they have one.
    pub(crate) metrics_listener: Option<(tokio::net::TcpListener, Router)>,
}

impl Bound {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then shuts down gracefully: new
    /// sessions are refused at once (HTTP 503), and so is every new message
    /// of the connected clients (an error ack, code `shutting_down`); the
    /// handlers already running finish and their acks go out, over
    /// WebSocket and long-polling alike (for at most
    /// [`crate::DRAIN_TIMEOUT`], plus [`crate::POLLING_FLUSH`] when a
    /// client uses long-polling); then every client is disconnected (its
    /// pending delayed emissions are cancelled), the port is closed, and
    /// this returns once the HTTP requests under way have finished (for at
    /// most [`CLOSE_TIMEOUT`]).
    pub async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Bound {
            listener,
            router,
            io,
            in_flight,
            sessions,
            limits,
            redis_watch: _redis_watch,
            metrics,
            metrics_listener,
            ..
        } = self;
        let _metrics_server = metrics_listener.map(|(listener, router)| {
            AbortOnDropHandle::new(tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, router).await {
                    tracing::error!(%err, "the metrics address stopped serving");
                }
            }))
        });
        let router = router.layer(axum::middleware::from_fn_with_state(
            Admission {
                in_flight: in_flight.clone(),
                sessions: Arc::clone(&sessions),
                max_connections: limits.max_connections,
                longest_hold: limits.ping_interval + limits.ping_timeout,
                metrics,
            },
            http::admit,
        ));
        // The port stays open while handlers finish: a long-polling client
        // fetches its acks with new HTTP requests, often on new
        // connections. Only then are clients disconnected and the port
        // closed.
        let (disconnected, clients_gone) = tokio::sync::oneshot::channel::<()>();
        let drained = tokio::spawn(async move {
            drain(shutdown, &io, &in_flight).await;
            let _ = disconnected.send(());
        });
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout);
        // HTTP/2 WebSockets need the CONNECT protocol.
        builder.http2().enable_connect_protocol();
        let connections = TaskTracker::new();
        let closing = CancellationToken::new();
        tokio::pin!(clients_gone);
        loop {
            let tcp = tokio::select! {
                biased;
                _ = &mut clients_gone => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(err) => {
                        // Out of descriptors or memory: the connections
                        // already open go on; try again in a moment.
                        crate::throttle::log!(warn, "cannot accept a connection", %err);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // Small acks must not wait for Nagle's algorithm; Node sets the same.
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "could not set TCP_NODELAY");
            }
            let connection = Connection::new(Arc::clone(&sessions));
            let io = TokioIo::new(GuardedIo::new(
                tcp,
                Arc::clone(&connection),
                limits.write_timeout,
            ));
            let router = router.clone();
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(Arc::clone(&connection));
                router.clone().oneshot(request.map(axum::body::Body::new))
            });
            let serving = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            let closing = closing.clone();
            connections.spawn(async move {
                tokio::pin!(serving);
                tokio::select! {
                    result = serving.as_mut() => {
                        if let Err(err) = result {
                            tracing::trace!(%err, "connection ended");
                        }
                        return;
                    }
                    () = closing.cancelled() => serving.as_mut().graceful_shutdown(),
                }
                if let Err(err) = serving.await {
                    tracing::trace!(%err, "connection ended");
                }
            });
        }
        drop(listener);
        closing.cancel();
        connections.close();
        // hyper waits for every HTTP connection to finish its request, with
        // no bound: one that sent half a request would hold the process
        // for ever.
        if tokio::time::timeout(CLOSE_TIMEOUT, connections.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "HTTP connections still open {CLOSE_TIMEOUT:?} after the clients were disconnected: leaving them"
            );
        }
        if let Err(err) = drained.await {
            tracing::error!(%err, "the shutdown drain failed");
        }
        Ok(())
    }
}
