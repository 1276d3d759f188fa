//! One axum server on one port: socket.io, the client script and the pages.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::http::Uri;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::serve::ListenerExt;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::{SocketIo, SocketIoBuilder};
use tokio_util::task::task_tracker::TaskTrackerToken;
use tokio_util::task::{AbortOnDropHandle, TaskTracker};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::adapter::{Io, RedisAdapter, with_io};
use crate::gateway::Gateway;
use crate::redis;

/// Where the host serves the official socket.io client script (4.8.4),
/// shipped inside this crate so that pages load it with no internet access.
/// Not under `/socket.io/`: socket.io itself answers everything there.
pub const SOCKET_IO_CLIENT_PATH: &str = "/socket.io.min.js";

const SOCKET_IO_CLIENT: &str = include_str!("../assets/socket.io.min.js");

/// The port served when neither [`Host::port`] nor `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 3000;

/// Largest message a client may send when neither
/// [`Host::max_payload_bytes`] nor `GATESMITH_MAX_PAYLOAD_BYTES` says
/// otherwise: 1 MiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// How many delayed emissions one socket may have waiting when neither
/// [`Host::max_pending_delayed`] nor `GATESMITH_MAX_PENDING_DELAYED` says
/// otherwise.
pub const DEFAULT_MAX_PENDING_DELAYED: usize = 1024;

/// How often the server pings each client by default (socketioxide's and
/// socket.io's default): 25 s.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(25);

/// How long the server waits for a client's pong by default (socketioxide's
/// and socket.io's default): 20 s.
pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// Serves gateways and a folder of pages on one port.
#[derive(Debug)]
pub struct Host {
    addr: SocketAddr,
    pages: Option<PathBuf>,
    gateways: Vec<Gateway>,
    limits: Limits,
    /// Where broadcasts and rooms are shared with other hosts: `None`, in
    /// this process only.
    redis_url: Option<RedisUrl>,
}

/// A Redis URL, which may hold a password: `Debug` shows it redacted.
struct RedisUrl(String);

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redis::redacted(&self.0))
    }
}

/// What a client may do, and how long it may stay silent. docs/host.md
/// lists each limit with its default and what a client sees past it.
#[derive(Debug, Clone, PartialEq)]
struct Limits {
    max_payload_bytes: usize,
    max_pending_delayed: usize,
    ping_interval: Duration,
    ping_timeout: Duration,
    /// `None`: no CORS headers, so browsers allow same-origin pages only.
    cors_origins: Option<Vec<String>>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_pending_delayed: DEFAULT_MAX_PENDING_DELAYED,
            ping_interval: DEFAULT_PING_INTERVAL,
            ping_timeout: DEFAULT_PING_TIMEOUT,
            cors_origins: None,
        }
    }
}

/// The environment variables [`Host::from_env`] reads, besides `PORT`.
const MAX_PAYLOAD_VAR: &str = "GATESMITH_MAX_PAYLOAD_BYTES";
const MAX_PENDING_VAR: &str = "GATESMITH_MAX_PENDING_DELAYED";
const PING_INTERVAL_VAR: &str = "GATESMITH_PING_INTERVAL_MS";
const PING_TIMEOUT_VAR: &str = "GATESMITH_PING_TIMEOUT_MS";
const CORS_ORIGINS_VAR: &str = "GATESMITH_CORS_ORIGINS";
const REDIS_URL_VAR: &str = "GATESMITH_REDIS_URL";

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
            limits: Limits::default(),
            redis_url: None,
        }
    }

    /// A host configured by the environment: the port named by `PORT`
    /// (else 3000) and the limits named by `GATESMITH_MAX_PAYLOAD_BYTES`,
    /// `GATESMITH_MAX_PENDING_DELAYED`, `GATESMITH_PING_INTERVAL_MS`,
    /// `GATESMITH_PING_TIMEOUT_MS` and `GATESMITH_CORS_ORIGINS`, and the
    /// Redis server named by `GATESMITH_REDIS_URL` ([`Host::redis`]) (each
    /// unset variable leaves its default; docs/host.md). A value that does
    /// not parse is an error naming its variable, never a silent default.
    pub fn from_env() -> std::io::Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Host::from_env`] reading variables through `var`.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> std::io::Result<Self> {
        let mut host = Self::new();
        if let Some(port) = var("PORT") {
            host = host.port(parse_var(
                "PORT",
                &port,
                "a port number (0-65535)",
                |text| text.parse::<u16>().ok(),
            )?);
        }
        if let Some(text) = var(MAX_PAYLOAD_VAR) {
            host.limits.max_payload_bytes = parse_var(
                MAX_PAYLOAD_VAR,
                &text,
                "a number of bytes (1 or more)",
                |text| text.parse::<usize>().ok().filter(|&n| n > 0),
            )?;
        }
        if let Some(text) = var(MAX_PENDING_VAR) {
            host.limits.max_pending_delayed = parse_var(
                MAX_PENDING_VAR,
                &text,
                "a number of emissions (0 or more)",
                |text| text.parse::<usize>().ok(),
            )?;
        }
        for (name, field) in [
            (PING_INTERVAL_VAR, &mut host.limits.ping_interval),
            (PING_TIMEOUT_VAR, &mut host.limits.ping_timeout),
        ] {
            if let Some(text) = var(name) {
                *field = parse_var(
                    name,
                    &text,
                    "a number of milliseconds (1 or more)",
                    |text| {
                        text.parse::<u64>()
                            .ok()
                            .filter(|&ms| ms > 0)
                            .map(Duration::from_millis)
                    },
                )?;
            }
        }
        if let Some(text) = var(CORS_ORIGINS_VAR) {
            let origins: Vec<String> = text.split(',').map(|o| o.trim().to_owned()).collect();
            if !(origins.len() == 1 && origins[0].is_empty()) {
                if let Some(bad) = origins.iter().find(|origin| !is_origin(origin)) {
                    return Err(invalid(format!(
                        "{CORS_ORIGINS_VAR}={text:?}: {bad:?} is not an origin \
                         (scheme://host[:port], comma-separated, or *)"
                    )));
                }
                host.limits.cors_origins = Some(origins);
            }
        }
        if let Some(text) = var(REDIS_URL_VAR).filter(|text| !text.trim().is_empty()) {
            let url = text.trim();
            if let Err(why) = redis::check_url(url) {
                return Err(invalid(format!("{REDIS_URL_VAR}: {why}")));
            }
            host.redis_url = Some(RedisUrl(url.to_owned()));
        }
        Ok(host)
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

    /// The largest message a client may send, in bytes (default 1 MiB):
    /// one WebSocket message, or one HTTP long-polling request body. A
    /// client that sends more is disconnected (docs/host.md says what it
    /// sees); the server and its other clients go on.
    pub fn max_payload_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_payload_bytes = bytes;
        self
    }

    /// How many delayed emissions (a spec's `reply: … after:`,
    /// [`EventContext::emit_after`]) one socket may have waiting at once
    /// (default 1024). Past it, each new one is dropped and logged as a
    /// warning; the socket is served as before.
    ///
    /// [`EventContext::emit_after`]: crate::EventContext::emit_after
    pub fn max_pending_delayed(mut self, emissions: usize) -> Self {
        self.limits.max_pending_delayed = emissions;
        self
    }

    /// How often the server pings each client (default 25 s). With
    /// [`Host::ping_timeout`], it bounds how long a client that went silent
    /// stays connected: at most interval + timeout.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.limits.ping_interval = interval;
        self
    }

    /// How long the server waits for a client's answer to a ping before
    /// disconnecting it (default 20 s). The official client also uses
    /// interval + timeout to notice a server that went silent.
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.limits.ping_timeout = timeout;
        self
    }

    /// Lets pages from these origins (`https://app.example.com`,
    /// `http://localhost:5173`; `*` for any) reach the host from a browser
    /// (CORS). By default no CORS header is sent, so browsers let only
    /// pages of the host's own origin use HTTP long-polling. With origins
    /// listed (not `*`), a socket.io request whose `Origin` is neither
    /// listed nor the host's own gets 403, WebSocket handshakes included,
    /// which browsers send from any page, CORS or not. Clients outside a
    /// browser send no `Origin` and are not concerned.
    pub fn cors_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.limits.cors_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Shares broadcasts and rooms with every host given the same Redis
    /// server (7 or later; `redis://[user:password@]host[:port][/db]`):
    /// an emission to everyone, to others or to a room reaches the matching
    /// clients of every host, and a client of any host may join a room.
    /// The host connects at [`Host::bind`], which fails if Redis cannot be
    /// reached; later outages are retried, and broadcasts sent meanwhile
    /// are lost (logged). Clients must stay on one host: behind a load
    /// balancer, use sticky sessions or the WebSocket transport only
    /// (docs/host.md).
    pub fn redis(mut self, url: impl Into<String>) -> Self {
        self.redis_url = Some(RedisUrl(url.into()));
        self
    }

    /// Adds a gateway.
    pub fn gateway(mut self, gateway: impl Into<Gateway>) -> Self {
        self.gateways.push(gateway.into());
        self
    }

    /// Binds the port, ready to serve.
    pub async fn bind(self) -> std::io::Result<Bound> {
        let limits = self.limits;
        limits.check()?;
        let cors = limits.cors_layer()?;
        let in_flight = TaskTracker::new();
        if let Some((name, problem)) =
            (self.gateways.iter()).find_map(|gateway| Some((gateway.name(), gateway.problem()?)))
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("gateway {name}: {problem}: regenerate it with `gatesmith generate`"),
            ));
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
        let mut redis_watch = None;
        let io = match &self.redis_url {
            None => {
                let (layer, io) = with_limits(SocketIo::builder(), &limits).build_layer();
                router = router.layer(layer);
                Io::Local(io)
            }
            Some(RedisUrl(url)) => {
                let redis::Connected { adapter, watch } = redis::connect(url).await?;
                redis_watch = Some(watch);
                let builder = SocketIo::builder().with_adapter::<RedisAdapter>(adapter);
                let (layer, io) = with_limits(builder, &limits).build_layer();
                router = router.layer(layer);
                Io::Redis(io)
            }
        };
        for gateway in self.gateways {
            let (name, ns) = (gateway.name().to_owned(), gateway.namespace().to_owned());
            if let Err(why) = (gateway.attach(&io, &in_flight, limits.max_pending_delayed)).await {
                return Err(std::io::Error::other(format!(
                    "gateway {name} on {ns}: cannot share it through Redis: {why}"
                )));
            }
            tracing::info!(gateway = name, ns, "gateway ready");
        }
        if let Some(cors) = cors {
            if let Some(origins) = limits.listed_origins() {
                // Inside the CORS layer, so that a refusal still says
                // `Vary: Origin` to caches.
                router = router.layer(axum::middleware::from_fn_with_state(
                    origins,
                    refuse_unlisted_origins,
                ));
            }
            // Outside socket.io's layer, so that its preflight answers
            // reach `/socket.io/` too.
            router = router.layer(cors);
        }
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(Bound {
            listener,
            local_addr,
            router: router.layer(axum::middleware::map_request(own_request_parts)),
            io,
            in_flight,
            _redis_watch: redis_watch,
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
        let shutdown = shutdown_signal();
        let bound = self.bind().await?;
        tracing::info!("serving on http://localhost:{}", bound.local_addr().port());
        bound.serve_until(shutdown).await
    }
}

/// A host whose port is bound.
#[derive(Debug)]
pub struct Bound {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    router: Router,
    io: Io,
    in_flight: TaskTracker,
    /// Watches the Redis connection, if any, for as long as the host lives.
    _redis_watch: Option<AbortOnDropHandle<()>>,
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
    /// WebSocket and long-polling alike (for at most [`DRAIN_TIMEOUT`],
    /// plus [`POLLING_FLUSH`] when a client uses long-polling); then every
    /// client is disconnected (its pending delayed emissions
    /// are cancelled), the port is closed, and this returns once the HTTP
    /// requests under way have finished (for at most [`CLOSE_TIMEOUT`]).
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
        let router = self.router.layer(axum::middleware::from_fn_with_state(
            in_flight.clone(),
            refuse_new_sessions,
        ));
        let (stop_accepting, stopped) = tokio::sync::oneshot::channel::<()>();
        let (disconnected, clients_gone) = tokio::sync::oneshot::channel::<()>();
        // The port stays open while handlers finish: a long-polling client
        // fetches its acks with new HTTP requests, often on new
        // connections. Only then are clients disconnected and the port
        // closed. axum does not see upgraded WebSocket connections, so
        // this drain is awaited too.
        let drain = tokio::spawn(async move {
            shutdown.await;
            // From here on, `admit` refuses new messages and
            // `refuse_new_sessions` new clients.
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
            // request: closing its session before that request comes would
            // lose the acks just sent. It asks again as soon as it has its
            // last answer, so a moment is enough.
            let polling = with_io!(&io, |io| (io.nsps().into_iter())
                .flat_map(|ns| ns.sockets())
                .any(|socket| socket.transport_type() == socketioxide::TransportType::Polling));
            if polling {
                tokio::time::sleep(POLLING_FLUSH).await;
            }
            tracing::info!("shutting down: disconnecting clients");
            with_io!(&io, |io| io.close().await);
            let _ = stop_accepting.send(());
            let _ = disconnected.send(());
        });
        // axum waits for every HTTP connection to finish its request, with
        // no bound: one that sent half a request would hold the process
        // for ever.
        let give_up = async move {
            match clients_gone.await {
                Ok(()) => tokio::time::sleep(CLOSE_TIMEOUT).await,
                Err(_) => std::future::pending().await,
            }
        };
        let serving = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .into_future();
        let served = tokio::select! {
            served = serving => served,
            () = give_up => {
                tracing::warn!("HTTP connections still open {CLOSE_TIMEOUT:?} after the clients were disconnected: leaving them");
                Ok(())
            }
        };
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

/// How long shutdown lets long-polling clients fetch the acks sent last,
/// once the handlers are done and before clients are disconnected (only
/// when some client uses long-polling).
pub const POLLING_FLUSH: Duration = Duration::from_millis(500);

/// How long, once every client is disconnected, HTTP requests still under
/// way (a page download, a request still arriving) may take before
/// shutdown returns without them.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The token that keeps shutdown waiting for a message's handler, unless
/// shutdown has begun: then the message is refused ([`refuse`]). The token
/// is taken before the check, so a handler admitted before the tracker
/// closed is always waited for.
pub(crate) fn admit(in_flight: &TaskTracker) -> Option<TaskTrackerToken> {
    let token = in_flight.token();
    (!in_flight.is_closed()).then_some(token)
}

/// What a client gets for a message that arrived once shutdown had begun:
/// an error ack, or an `exception` event when it asked for no ack, as for
/// a payload that does not fit (docs/errors.md).
#[derive(Debug, serde::Serialize)]
struct ShuttingDown<'a> {
    status: &'static str,
    code: &'static str,
    event: &'a str,
    message: &'static str,
}

/// Answers a message that [`admit`] refused.
pub(crate) fn refuse<A: Adapter>(
    socket: &SocketRef<A>,
    event: &str,
    ack: AckSender<A>,
    ack_requested: bool,
) {
    tracing::debug!(socket = %socket.id, event, "shutting down: message refused");
    let refusal = ShuttingDown {
        status: "error",
        code: "shutting_down",
        event,
        message: "the server is shutting down; send it again once reconnected",
    };
    crate::ack::answer_error(socket, ack, ack_requested, &refusal);
}

/// Once shutdown has begun, a request that would open a new socket.io
/// session gets 503; the sessions already open go on until disconnected.
async fn refuse_new_sessions(
    axum::extract::State(in_flight): axum::extract::State<TaskTracker>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if in_flight.is_closed() && opens_session(&request) {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "server shutting down",
        )
            .into_response();
    }
    next.run(request).await
}

/// The origins a host lists ([`Host::cors_origins`]), lowercased.
type ListedOrigins = std::sync::Arc<Vec<String>>;

/// With origins listed, a socket.io request from a page of any other
/// origin gets 403. CORS alone keeps such a page from reading long-polling
/// answers, but not from opening a WebSocket (browsers apply no CORS to
/// it): without this, any site could connect in its visitor's name
/// ("cross-site WebSocket hijacking"). A request without `Origin` (not a
/// browser's) and a page of the host's own origin pass.
async fn refuse_unlisted_origins(
    axum::extract::State(listed): axum::extract::State<ListedOrigins>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let origin = request.headers().get(header::ORIGIN);
    if is_socket_io_path(request.uri().path())
        && let Some(origin) = origin
        && !origin_admitted(&listed, origin, request.headers().get(header::HOST))
    {
        tracing::info!(origin = ?origin, "socket.io request from an unlisted origin refused");
        return (
            axum::http::StatusCode::FORBIDDEN,
            "this origin may not connect: list it in GATESMITH_CORS_ORIGINS",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether a page of `origin` may connect: it is listed, or it is the
/// host's own (`http://` or `https://` and the `Host` the page asked for).
fn origin_admitted(listed: &[String], origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    if listed.contains(&origin) {
        return true;
    }
    let own = host.and_then(|host| host.to_str().ok());
    let served = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((served, own), (Some(served), Some(own)) if served.eq_ignore_ascii_case(own))
}

/// Whether socket.io answers `path`: engine.io takes `/socket.io` itself
/// as well as everything under `/socket.io/`.
fn is_socket_io_path(path: &str) -> bool {
    path.strip_prefix("/socket.io")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether `request` opens a socket.io session: it has no `sid` yet.
fn opens_session(request: &Request) -> bool {
    is_socket_io_path(request.uri().path())
        && !request
            .uri()
            .query()
            .is_some_and(|query| query.split('&').any(|pair| pair.starts_with("sid=")))
}

/// socketioxide keeps each socket's handshake request, headers and URI, for
/// the socket's whole life. hyper parses them as slices of the connection's
/// read buffer, so keeping them keeps that whole buffer, 16 KiB, alive per
/// connected client (measured with valgrind's massif, BENCHMARKS.md).
/// Copies of their few hundred bytes let the buffer go: an idle client's
/// RSS fell from 30 to 22 KiB.
async fn own_request_parts(mut request: Request) -> Request {
    // Only a request that opens a session (no `sid` yet) is kept; the
    // polling requests that follow pass through untouched.
    if !opens_session(&request) {
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

/// `builder` with the host's limits.
fn with_limits<A: Adapter>(builder: SocketIoBuilder<A>, limits: &Limits) -> SocketIoBuilder<A> {
    builder
        .max_payload(limits.max_payload_bytes as u64)
        .ws_max_message_size(limits.max_payload_bytes)
        .ping_interval(limits.ping_interval)
        .ping_timeout(limits.ping_timeout)
}

impl Limits {
    /// Refuses limits socketioxide cannot run with.
    fn check(&self) -> std::io::Result<()> {
        if self.max_payload_bytes == 0 {
            return Err(invalid("max_payload_bytes must be 1 or more"));
        }
        if self.ping_interval.is_zero() || self.ping_timeout.is_zero() {
            return Err(invalid(
                "ping_interval and ping_timeout must be longer than 0",
            ));
        }
        Ok(())
    }

    /// The origins listed, lowercased, unless none were or `*` was.
    fn listed_origins(&self) -> Option<ListedOrigins> {
        let origins = self.cors_origins.as_ref()?;
        if origins.iter().any(|origin| origin == "*") {
            return None;
        }
        Some(std::sync::Arc::new(
            origins
                .iter()
                .map(|origin| origin.to_ascii_lowercase())
                .collect(),
        ))
    }

    /// The CORS layer for the origins given, if any were.
    fn cors_layer(&self) -> std::io::Result<Option<CorsLayer>> {
        let Some(origins) = &self.cors_origins else {
            return Ok(None);
        };
        let allow_origin = if origins.iter().any(|origin| origin == "*") {
            AllowOrigin::any()
        } else {
            let mut values = Vec::with_capacity(origins.len());
            for origin in origins {
                match HeaderValue::from_str(origin) {
                    Ok(value) if is_origin(origin) => values.push(value),
                    _ => {
                        return Err(invalid(format!(
                            "CORS origin {origin:?} is not an origin (scheme://host[:port], or *)"
                        )));
                    }
                }
            }
            AllowOrigin::list(values)
        };
        Ok(Some(
            CorsLayer::new()
                .allow_origin(allow_origin)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                // socket.io clients may add headers of their own
                // (`extraHeaders`): a listed origin may send any.
                .allow_headers(AllowHeaders::mirror_request())
                .max_age(Duration::from_secs(600)),
        ))
    }
}

/// Whether `text` is `*` or an origin as browsers send it: a scheme, `://`,
/// a host and maybe a port, nothing after.
fn is_origin(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', ','])
        && rest.is_ascii()
}

fn invalid(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message.into())
}

/// `text`, the value of the variable `name`, read by `parse`; or an error
/// naming the variable, its value and what it should be.
fn parse_var<T>(
    name: &str,
    text: &str,
    expected: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> std::io::Result<T> {
    parse(text.trim()).ok_or_else(|| invalid(format!("{name}={text:?} is not {expected}")))
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

/// Completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed
/// when this is called, not when it is first polled: a signal that comes
/// right after "serving on" must start the graceful shutdown, not kill the
/// process with the default action.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
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

    fn from(vars: &[(&str, &str)]) -> std::io::Result<Host> {
        Host::from_vars(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn with_no_variable_set_every_limit_is_its_default() {
        let host = from(&[]).unwrap();
        assert_eq!(host.limits, Limits::default());
        assert_eq!(host.limits.max_payload_bytes, 1 << 20);
        assert_eq!(host.limits.max_pending_delayed, 1024);
        assert_eq!(host.limits.ping_interval, Duration::from_secs(25));
        assert_eq!(host.limits.ping_timeout, Duration::from_secs(20));
        assert_eq!(host.limits.cors_origins, None);
        assert_eq!(host.addr.port(), DEFAULT_PORT);
    }

    #[test]
    fn each_variable_sets_its_limit() {
        let host = from(&[
            ("PORT", "8080"),
            ("GATESMITH_MAX_PAYLOAD_BYTES", "4096"),
            ("GATESMITH_MAX_PENDING_DELAYED", "0"),
            ("GATESMITH_PING_INTERVAL_MS", " 300 "),
            ("GATESMITH_PING_TIMEOUT_MS", "200"),
            (
                "GATESMITH_CORS_ORIGINS",
                "https://app.example.com, http://localhost:5173",
            ),
        ])
        .unwrap();
        assert_eq!(host.addr.port(), 8080);
        assert_eq!(
            host.limits,
            Limits {
                max_payload_bytes: 4096,
                max_pending_delayed: 0,
                ping_interval: Duration::from_millis(300),
                ping_timeout: Duration::from_millis(200),
                cors_origins: Some(vec![
                    "https://app.example.com".to_owned(),
                    "http://localhost:5173".to_owned()
                ]),
            }
        );
        let any = from(&[("GATESMITH_CORS_ORIGINS", "*")]).unwrap();
        assert_eq!(any.limits.cors_origins, Some(vec!["*".to_owned()]));
        let empty = from(&[("GATESMITH_CORS_ORIGINS", " ")]).unwrap();
        assert_eq!(empty.limits.cors_origins, None, "empty: same as unset");
    }

    #[test]
    fn a_bad_value_is_an_error_naming_its_variable() {
        for (name, bad) in [
            ("PORT", "70000"),
            ("GATESMITH_MAX_PAYLOAD_BYTES", "0"),
            ("GATESMITH_MAX_PAYLOAD_BYTES", "1MiB"),
            ("GATESMITH_MAX_PAYLOAD_BYTES", "-1"),
            ("GATESMITH_MAX_PENDING_DELAYED", "lots"),
            ("GATESMITH_PING_INTERVAL_MS", "0"),
            ("GATESMITH_PING_INTERVAL_MS", "25s"),
            ("GATESMITH_PING_TIMEOUT_MS", ""),
            ("GATESMITH_CORS_ORIGINS", "app.example.com"),
            (
                "GATESMITH_CORS_ORIGINS",
                "https://a.example,,https://b.example",
            ),
            ("GATESMITH_CORS_ORIGINS", "https://app.example.com/"),
        ] {
            let err = from(&[(name, bad)]).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            assert!(err.to_string().starts_with(&format!("{name}=")), "{err}");
        }
    }

    #[test]
    fn a_redis_password_never_shows_in_the_host_debug_output() {
        let host = Host::new().redis("redis://user:secret@redis.internal:6379");
        let shown = format!("{host:?}");
        assert!(shown.contains("redis://***@redis.internal:6379"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn socket_io_answers_its_path_with_and_without_the_slash() {
        for path in ["/socket.io", "/socket.io/", "/socket.io/x"] {
            assert!(is_socket_io_path(path), "{path}");
        }
        for path in ["/socket.iox", "/", "/pages/socket.io/", "/socket.io.min.js"] {
            assert!(!is_socket_io_path(path), "{path}");
        }
    }

    #[tokio::test]
    async fn limits_socketioxide_cannot_run_with_are_refused_at_bind() {
        let local = || Host::new().addr(([127, 0, 0, 1], 0).into());
        for host in [
            local().max_payload_bytes(0),
            local().ping_interval(Duration::ZERO),
            local().ping_timeout(Duration::ZERO),
            local().cors_origins(["example.com"]),
        ] {
            let err = host.bind().await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        }
    }
}
