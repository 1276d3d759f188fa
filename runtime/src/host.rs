//! A host: the builder of one axum server on one port, serving socket.io,
//! the client script and the pages.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use socketioxide::adapter::Adapter;
use socketioxide::{ParserConfig, SocketIo, SocketIoBuilder};
use tokio_util::task::TaskTracker;
use tower_http::services::ServeDir;

use crate::adapter::{Io, RedisAdapter};
use crate::gateway::{Gateway, Hosting};
use crate::http;
use crate::limits::{Limits, invalid, parse_var};
use crate::metrics::Metrics;
use crate::redis;
use crate::serve::Bound;
use crate::session::Sessions;
use crate::shutdown::shutdown_signal;

/// Where the host serves the official socket.io client script (4.8.4),
/// shipped inside this crate so that pages load it with no internet access.
/// Not under `/socket.io/`: socket.io itself answers everything there.
pub const SOCKET_IO_CLIENT_PATH: &str = "/socket.io.min.js";

const SOCKET_IO_CLIENT: &str = include_str!("../assets/socket.io.min.js");

/// Where the host serves its metrics (OpenMetrics text, for Prometheus).
pub const METRICS_PATH: &str = "/metrics";

const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Where the host answers its liveness probe: 200 while the process serves.
pub const HEALTHZ_PATH: &str = "/healthz";

/// Where the host answers its readiness probe: 200 while it takes new
/// clients, 503 once shutdown began or while its Redis is unreachable.
pub const READYZ_PATH: &str = "/readyz";

/// The port served when neither [`Host::port`] nor `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 3000;

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
    metrics: MetricsAt,
}

/// Where the host serves its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetricsAt {
    /// At `/metrics` on the host's own port.
    Port,
    /// On an address of their own, at `/metrics`.
    Addr(SocketAddr),
    /// Nowhere.
    Off,
}

/// A Redis URL, which may hold a password: `Debug` shows it redacted.
struct RedisUrl(String);

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redis::redacted(&self.0))
    }
}

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
            metrics: MetricsAt::Port,
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
        host.limits.read_env(&var)?;
        if let Some(text) = var("GATESMITH_METRICS") {
            host.metrics = parse_var("GATESMITH_METRICS", &text, "on or off", |text| match text {
                "on" => Some(MetricsAt::Port),
                "off" => Some(MetricsAt::Off),
                _ => None,
            })?;
        }
        if let Some(text) = var("GATESMITH_METRICS_ADDR").filter(|text| !text.trim().is_empty())
            && host.metrics != MetricsAt::Off
        {
            host.metrics = MetricsAt::Addr(parse_var(
                "GATESMITH_METRICS_ADDR",
                &text,
                "an address to listen on (127.0.0.1:9100)",
                |text| text.parse().ok(),
            )?);
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

    /// How many messages of one client may be in flight at once, read and
    /// not yet answered (default 32). Past it the host reads nothing more
    /// from that client until one is answered, so a client that floods is
    /// held back by TCP; up to this many of its handlers run at once.
    pub fn max_in_flight(mut self, messages: usize) -> Self {
        self.limits.max_in_flight = messages;
        self
    }

    /// How many packets may wait in one client's outgoing queue (default
    /// 1024). An ack or an emission to the sender that finds it full waits
    /// for room; a client whose queue stays full for the write timeout is
    /// disconnected (docs/host.md).
    pub fn max_queued_packets(mut self, packets: usize) -> Self {
        self.limits.max_queued_packets = packets;
        self
    }

    /// How long a write may wait for a client to read (default 10 s): a
    /// client that takes nothing of its output for that long, or whose
    /// outgoing queue stays full that long, is disconnected as a slow
    /// consumer, its rooms left and its connection reset.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.limits.write_timeout = timeout;
        self
    }

    /// How long a client may take to send the headers of an HTTP request
    /// (default 10 s); a connection that takes longer is closed.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self
    }

    /// How many clients may be connected at once (default: no bound). A
    /// client that would be one more is refused with HTTP 503 (or
    /// `connect_error` when many arrive at once); those connected are not
    /// concerned.
    pub fn max_connections(mut self, clients: usize) -> Self {
        self.limits.max_connections = Some(clients);
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

    /// Serves the metrics at `/metrics` on `addr` instead of the host's own
    /// port (`GATESMITH_METRICS_ADDR`), where only a Prometheus on the
    /// private network reaches them.
    pub fn metrics_addr(mut self, addr: SocketAddr) -> Self {
        self.metrics = MetricsAt::Addr(addr);
        self
    }

    /// Serves no metrics (`GATESMITH_METRICS=off`).
    pub fn without_metrics(mut self) -> Self {
        self.metrics = MetricsAt::Off;
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
        let cors = http::cors_layer(&limits)?;
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
        let mut redis_up = None;
        let io = match &self.redis_url {
            None => {
                let (layer, io) = with_limits(SocketIo::builder(), &limits).build_layer();
                router = router.layer(layer);
                Io::Local(io)
            }
            Some(RedisUrl(url)) => {
                let redis::Connected { adapter, watch, up } = redis::connect(url).await?;
                redis_watch = Some(watch);
                redis_up = Some(up);
                let builder = SocketIo::builder().with_adapter::<RedisAdapter>(adapter);
                let (layer, io) = with_limits(builder, &limits).build_layer();
                router = router.layer(layer);
                Io::Redis(io)
            }
        };
        let in_flight = TaskTracker::new();
        let metrics = Metrics::new(redis_up.clone());
        let metrics_page = {
            let metrics = Arc::clone(&metrics);
            get(move || {
                let metrics = Arc::clone(&metrics);
                async move {
                    (
                        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
                        metrics.render(),
                    )
                }
            })
        };
        let mut metrics_listener = None;
        match self.metrics {
            MetricsAt::Port => router = router.route(METRICS_PATH, metrics_page),
            MetricsAt::Addr(addr) => {
                let listener = tokio::net::TcpListener::bind(addr).await?;
                metrics_listener =
                    Some((listener, Router::new().route(METRICS_PATH, metrics_page)));
            }
            MetricsAt::Off => {}
        }
        // Probes answer on the socket.io port, past every other layer but
        // the session admission: a probe is never refused as a client.
        router = router.route(HEALTHZ_PATH, get(http::healthz)).route(
            READYZ_PATH,
            get(http::readyz).with_state(http::Readiness {
                in_flight: in_flight.clone(),
                redis_up,
            }),
        );
        let hosting = Hosting {
            in_flight,
            sessions: Sessions::new(
                limits.max_in_flight,
                limits.write_timeout,
                metrics.slow_consumers.clone(),
            ),
            max_pending_delayed: limits.max_pending_delayed,
            max_connections: limits.max_connections,
            metrics: Arc::clone(&metrics),
        };
        for gateway in self.gateways {
            let (name, ns) = (gateway.name().to_owned(), gateway.namespace().to_owned());
            if let Err(why) = gateway.attach(&io, &hosting).await {
                return Err(std::io::Error::other(format!(
                    "gateway {name} on {ns}: cannot share it through Redis: {why}"
                )));
            }
            tracing::info!(gateway = name, ns, "gateway ready");
        }
        if let Some(cors) = cors {
            if let Some(origins) = http::listed_origins(&limits) {
                // Inside the CORS layer, so that a refusal still says
                // `Vary: Origin` to caches.
                router = router.layer(axum::middleware::from_fn_with_state(
                    origins,
                    http::refuse_unlisted_origins,
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
            router: router.layer(axum::middleware::map_request(http::own_request_parts)),
            io,
            in_flight: hosting.in_flight,
            sessions: hosting.sessions,
            limits,
            redis_watch,
            metrics,
            metrics_listener,
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

/// `builder` with the host's limits. A message's binary attachments count
/// within the payload limit, and a message whose attachments have not all
/// come within the write timeout is dropped with its connection.
fn with_limits<A: Adapter>(builder: SocketIoBuilder<A>, limits: &Limits) -> SocketIoBuilder<A> {
    builder
        .max_payload(limits.max_payload_bytes as u64)
        .ws_max_message_size(limits.max_payload_bytes)
        .ping_interval(limits.ping_interval)
        .ping_timeout(limits.ping_timeout)
        .max_buffer_size(limits.max_queued_packets)
        .with_parser(
            ParserConfig::common()
                .max_incoming_binary_buf_size(limits.max_payload_bytes)
                .max_incoming_binaries(MAX_ATTACHMENTS)
                .packet_completion_timeout(limits.write_timeout),
        )
}

/// The most binary attachments one message may carry.
const MAX_ATTACHMENTS: usize = 64;

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

/// Logs to stderr, filtered by `RUST_LOG` (`info` by default), as text or,
/// with `GATESMITH_LOG_FORMAT=json`, as one JSON object per line (each
/// field of the event at the top level, beside `timestamp`, `level`,
/// `target` and `message`) for a log collector.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("GATESMITH_LOG_FORMAT").is_ok_and(|format| format.trim() == "json");
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Already set by the application: keep its choice.
    let _ = if json {
        logs.json().flatten_event(true).try_init()
    } else {
        logs.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

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
        assert_eq!(host.limits.max_in_flight, 32);
        assert_eq!(host.limits.max_queued_packets, 1024);
        assert_eq!(host.limits.write_timeout, Duration::from_secs(10));
        assert_eq!(host.limits.header_timeout, Duration::from_secs(10));
        assert_eq!(host.limits.max_connections, None);
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
            ("GATESMITH_MAX_IN_FLIGHT", "8"),
            ("GATESMITH_MAX_QUEUED_PACKETS", "64"),
            ("GATESMITH_WRITE_TIMEOUT_MS", "1500"),
            ("GATESMITH_HEADER_TIMEOUT_MS", "2500"),
            ("GATESMITH_MAX_CONNECTIONS", "100"),
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
                max_in_flight: 8,
                max_queued_packets: 64,
                write_timeout: Duration::from_millis(1500),
                header_timeout: Duration::from_millis(2500),
                max_connections: Some(100),
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
            ("GATESMITH_MAX_IN_FLIGHT", "0"),
            ("GATESMITH_MAX_QUEUED_PACKETS", "many"),
            ("GATESMITH_WRITE_TIMEOUT_MS", "0"),
            ("GATESMITH_HEADER_TIMEOUT_MS", "10s"),
            ("GATESMITH_MAX_CONNECTIONS", "0"),
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

    #[tokio::test]
    async fn limits_socketioxide_cannot_run_with_are_refused_at_bind() {
        let local = || Host::new().addr(([127, 0, 0, 1], 0).into());
        for host in [
            local().max_payload_bytes(0),
            local().ping_interval(Duration::ZERO),
            local().ping_timeout(Duration::ZERO),
            local().cors_origins(["example.com"]),
            local().max_in_flight(0),
            local().max_queued_packets(0),
            local().write_timeout(Duration::ZERO),
            local().header_timeout(Duration::ZERO),
            local().max_connections(0),
        ] {
            let err = host.bind().await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        }
    }
}
