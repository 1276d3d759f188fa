//! One axum server on one port: socket.io, the client script and the pages.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::http::Uri;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::routing::get;
use axum::serve::ListenerExt;
use socketioxide::SocketIo;
use tokio_util::task::TaskTracker;
use tower_http::services::ServeDir;

use crate::gateway::Gateway;

/// Where the host serves the official socket.io client script (4.8.4),
/// shipped inside this crate so that pages load it with no internet access.
/// Not under `/socket.io/`: socket.io itself answers everything there.
pub const SOCKET_IO_CLIENT_PATH: &str = "/socket.io.min.js";

const SOCKET_IO_CLIENT: &str = include_str!("../assets/socket.io.min.js");

/// The port served when neither [`Host::port`] nor `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 3000;

/// Largest message a client may send, over polling and WebSocket alike.
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Serves gateways and a folder of pages on one port.
#[derive(Debug)]
pub struct Host {
    addr: SocketAddr,
    pages: Option<PathBuf>,
    gateways: Vec<Gateway>,
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}

impl Host {
    /// A host for every interface on port 3000.
    pub fn new() -> Self {
        Self {
            addr: (Ipv4Addr::UNSPECIFIED, DEFAULT_PORT).into(),
            pages: None,
            gateways: Vec::new(),
        }
    }

    /// A host on the port named by the `PORT` environment variable, else 3000.
    /// A `PORT` that is not a port number is an error, not a silent default.
    pub fn from_env() -> std::io::Result<Self> {
        let host = Self::new();
        match std::env::var("PORT") {
            Ok(port) => match port.trim().parse::<u16>() {
                Ok(port) => Ok(host.port(port)),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("PORT={port:?} is not a port number (0-65535)"),
                )),
            },
            Err(_) => Ok(host),
        }
    }

    /// Serves on `port` (0: any free port; [`Bound::local_addr`] tells which).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Serves on `addr`.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serves the files of `dir` at `/` (`index.html` for a folder).
    pub fn pages(mut self, dir: impl Into<PathBuf>) -> Self {
        self.pages = Some(dir.into());
        self
    }

    /// Adds a gateway.
    pub fn gateway(mut self, gateway: impl Into<Gateway>) -> Self {
        self.gateways.push(gateway.into());
        self
    }

    /// Binds the port, ready to serve.
    pub async fn bind(self) -> std::io::Result<Bound> {
        let in_flight = TaskTracker::new();
        let (layer, io) = SocketIo::builder()
            .max_payload(MAX_MESSAGE_BYTES as u64)
            .ws_max_message_size(MAX_MESSAGE_BYTES)
            .build_layer();
        if let Some((name, problem)) =
            (self.gateways.iter()).find_map(|gateway| Some((gateway.name(), gateway.problem()?)))
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("gateway {name}: {problem}: regenerate it with `gatesmith generate`"),
            ));
        }
        for gateway in self.gateways {
            tracing::info!(
                gateway = gateway.name(),
                ns = gateway.namespace(),
                "gateway ready"
            );
            gateway.attach(&io, &in_flight);
        }
        let mut router = Router::new().route(
            SOCKET_IO_CLIENT_PATH,
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    SOCKET_IO_CLIENT,
                )
            }),
        );
        if let Some(pages) = self.pages {
            router = router.fallback_service(ServeDir::new(pages));
        }
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(Bound {
            listener,
            local_addr,
            router: router
                .layer(layer)
                .layer(axum::middleware::map_request(own_request_parts)),
            io,
            in_flight,
        })
    }

    /// Starts the tokio runtime that suits the machine, then [`serve`]s on
    /// it: the entry point of a gateway's `main`, with no `#[tokio::main]`.
    ///
    /// With one CPU to run on (a one-core container, or a process pinned to
    /// one core), the runtime is tokio's current-thread scheduler: measured
    /// under saturation (bench/, BENCHMARKS.md), tokio's multi-thread
    /// scheduler on one worker served some sockets ~70 times later than
    /// others (p99 80 ms against a 1 ms median), where the current-thread
    /// one keeps every socket within a few milliseconds and does a quarter
    /// more work per CPU second. With more CPUs it is the multi-thread
    /// scheduler, one worker per CPU. `GATESMITH_WORKERS=N` overrides the
    /// count (1 gives the current-thread scheduler).
    ///
    /// [`serve`]: Host::serve
    pub fn run(self) -> std::io::Result<()> {
        let workers = worker_threads(
            std::env::var("GATESMITH_WORKERS").ok().as_deref(),
            std::thread::available_parallelism().map_or(1, usize::from),
        )?;
        let runtime = if workers == 1 {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()?
        };
        runtime.block_on(self.serve())
    }

    /// Binds and serves until Ctrl-C or SIGTERM, logging to stderr
    /// (`RUST_LOG` filters; `info` by default), on the caller's runtime.
    pub async fn serve(self) -> std::io::Result<()> {
        init_tracing();
        let bound = self.bind().await?;
        tracing::info!("serving on http://localhost:{}", bound.local_addr().port());
        bound.serve_until(shutdown_signal()).await
    }
}

/// A host whose port is bound.
#[derive(Debug)]
pub struct Bound {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    router: Router,
    io: SocketIo,
    in_flight: TaskTracker,
}

impl Bound {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then shuts down gracefully: new
    /// connections are refused at once, handlers already running finish and
    /// their acks go out (for at most [`DRAIN_TIMEOUT`]), then every client
    /// is disconnected with the reason "server shutting down" (its pending
    /// delayed emissions are cancelled), and this returns.
    pub async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Small acks must not wait for Nagle's algorithm; Node sets the same.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "could not set TCP_NODELAY");
            }
        });
        let (io, in_flight) = (self.io, self.in_flight);
        let (stop_accepting, stopped) = tokio::sync::oneshot::channel::<()>();
        // axum stops accepting when told and returns once its HTTP
        // connections end: it does not see upgraded WebSocket connections,
        // so the drain below, which waits for the last in-flight handler to
        // send its ack and then disconnects every client, is awaited too.
        let drain = tokio::spawn(async move {
            shutdown.await;
            let _ = stop_accepting.send(());
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
            tracing::info!("shutting down: disconnecting clients");
            io.close().await;
        });
        let served = axum::serve(listener, self.router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
        if served.is_err() {
            drain.abort();
            return served;
        }
        if let Err(err) = drain.await {
            tracing::error!(%err, "the shutdown drain failed");
        }
        served
    }
}

/// How long shutdown waits for in-flight handlers before disconnecting.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// socketioxide keeps each socket's handshake request, headers and URI, for
/// the socket's whole life. hyper parses them as slices of the connection's
/// read buffer, so keeping them keeps that whole buffer, 16 KiB, alive per
/// connected client (measured with valgrind's massif, BENCHMARKS.md).
/// Copies of their few hundred bytes let the buffer go: an idle client's
/// RSS fell from 30 to 22 KiB.
async fn own_request_parts(mut request: Request) -> Request {
    // Only a request that opens a session (no `sid` yet) is kept; the
    // polling requests that follow pass through untouched.
    let opens_session = request.uri().path().starts_with("/socket.io/")
        && !request
            .uri()
            .query()
            .is_some_and(|query| query.split('&').any(|pair| pair.starts_with("sid=")));
    if !opens_session {
        return request;
    }
    let shared = std::mem::take(request.headers_mut());
    let owned = request.headers_mut();
    owned.reserve(shared.len());
    for (name, value) in &shared {
        let name =
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let mut copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        owned.append(name, copy);
    }
    if let Ok(uri) = request.uri().to_string().parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    // The router keeps the URI as received too.
    if let Some(OriginalUri(original)) = request.extensions_mut().get_mut::<OriginalUri>()
        && let Ok(uri) = original.to_string().parse::<Uri>()
    {
        *original = uri;
    }
    request
}

/// The runtime's worker count: `setting` (`GATESMITH_WORKERS`) if given,
/// else one per CPU this process may run on.
fn worker_threads(setting: Option<&str>, cpus: usize) -> std::io::Result<usize> {
    match setting {
        None => Ok(cpus.max(1)),
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("GATESMITH_WORKERS={text:?} is not a number of threads (1 or more)"),
                )
            }),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Already set by the application: keep its choice.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_socket_io_request_keeps_its_headers_and_uri_as_copies() {
        let request = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket")
            .header("x-token", "abc")
            .header("x-token", "def")
            .header(header::COOKIE, "id=1")
            .body(axum::body::Body::empty())
            .unwrap();
        let (before, _) = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket")
            .header("x-token", "abc")
            .header("x-token", "def")
            .header(header::COOKIE, "id=1")
            .body(())
            .unwrap()
            .into_parts();
        let (after, _) = own_request_parts(request).await.into_parts();
        assert_eq!(after.uri, before.uri);
        assert_eq!(after.headers, before.headers);
    }

    #[test]
    fn one_worker_per_cpu_unless_told_and_a_bad_count_is_an_error() {
        assert_eq!(worker_threads(None, 1).unwrap(), 1);
        assert_eq!(worker_threads(None, 8).unwrap(), 8);
        assert_eq!(worker_threads(Some(" 3 "), 8).unwrap(), 3);
        for bad in ["0", "-1", "many", ""] {
            let err = worker_threads(Some(bad), 8).unwrap_err();
            assert!(err.to_string().contains("GATESMITH_WORKERS"), "{err}");
        }
    }
}
