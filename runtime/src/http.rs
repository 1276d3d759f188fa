//! The HTTP side of a host, in front of socket.io: which origins may
//! connect, which requests may open a session (none once shutdown began or
//! when the host is full), long-polling requests held while their session
//! has too many messages in flight, and the handshake's headers kept as
//! copies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::{OriginalUri, Request};
use axum::http::Uri;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use socketioxide::socket::Sid;
use tokio_util::task::TaskTracker;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::connection::Connection;
use crate::limits::{Limits, invalid, is_origin};
use crate::metrics::Metrics;
use crate::session::Sessions;

/// What decides whether a request may open a session or go on.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    /// Closed once shutdown began.
    pub(crate) in_flight: TaskTracker,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) max_connections: Option<usize>,
    /// How long a long-polling request waits for its session to have room
    /// for more messages before it is let through anyway: the session's
    /// pongs travel in such requests too, and a session that cannot pong
    /// is dropped by its heartbeat.
    pub(crate) longest_hold: Duration,
    pub(crate) metrics: Arc<Metrics>,
}

/// Whether the host takes new clients: for `/readyz`.
#[derive(Debug, Clone)]
pub(crate) struct Readiness {
    /// Closed once shutdown began.
    pub(crate) in_flight: TaskTracker,
    /// Whether Redis is connected, when the host shares through Redis.
    pub(crate) redis_up: Option<Arc<AtomicBool>>,
}

/// `/healthz`: the process serves (Kubernetes' liveness probe).
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: 200 while the host takes new clients; 503 once shutdown
/// began, and while a configured Redis is unreachable (Kubernetes'
/// readiness probe, a load balancer's health check), so that they stop
/// sending clients before SIGTERM's disconnects.
pub(crate) async fn readyz(
    axum::extract::State(readiness): axum::extract::State<Readiness>,
) -> axum::response::Response {
    let unready = if readiness.in_flight.is_closed() {
        Some("shutting down")
    } else if (readiness.redis_up.as_ref()).is_some_and(|up| !up.load(Ordering::Acquire)) {
        Some("Redis is unreachable")
    } else {
        None
    };
    match unready {
        Some(why) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {why}\n"),
        )
            .into_response(),
        None => "ready\n".into_response(),
    }
}

/// Refuses new sessions with 503 once shutdown began (the sessions already
/// open go on until disconnected) or while the host holds as many as it
/// may; holds a long-polling request while its session has as many
/// messages in flight as it may; and tells the connection of a WebSocket
/// upgraded from long-polling which session it carries.
pub(crate) async fn admit(
    axum::extract::State(admission): axum::extract::State<Admission>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !is_socket_io_path(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(sid) = session_id(&request) else {
        if admission.in_flight.is_closed() {
            admission.metrics.connection(HANDSHAKE, "shutting_down");
            return unavailable("server shutting down", 1);
        }
        if let Some(max) = admission.max_connections
            && admission.sessions.len() >= max
        {
            crate::throttle::log!(
                warn,
                "a new client refused: the host holds GATESMITH_MAX_CONNECTIONS sessions",
                max
            );
            admission.metrics.connection(HANDSHAKE, "full");
            return unavailable("server full: try again later", 5);
        }
        return next.run(request).await;
    };
    if is_websocket(&request) {
        if let Some(connection) = request.extensions().get::<Arc<Connection>>() {
            connection.upgrades(sid);
        }
    } else if request.method() == axum::http::Method::POST {
        if let Some(session) = admission.sessions.get(sid) {
            let _ = tokio::time::timeout(admission.longest_hold, session.gate().opened()).await;
        }
        let response = next.run(request).await;
        if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            admission.metrics.too_large.inc();
        }
        return response;
    }
    next.run(request).await
}

/// The namespace label of connections refused at the HTTP handshake,
/// before any namespace is asked for.
const HANDSHAKE: &str = "(handshake)";

fn unavailable(message: &'static str, retry_after_secs: u8) -> axum::response::Response {
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, retry_after_secs.to_string())],
        message,
    )
        .into_response()
}

/// The session a socket.io request names (`sid=`), if it names one.
fn session_id(request: &Request) -> Option<Sid> {
    let query = request.uri().query()?;
    let sid = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("sid="))?;
    sid.parse().ok()
}

fn is_websocket(request: &Request) -> bool {
    request
        .uri()
        .query()
        .is_some_and(|query| query.split('&').any(|pair| pair == "transport=websocket"))
}

/// The origins a host lists ([`crate::Host::cors_origins`]), lowercased.
pub(crate) type ListedOrigins = Arc<Vec<String>>;

/// With origins listed, a socket.io request from a page of any other
/// origin gets 403. CORS alone keeps such a page from reading long-polling
/// answers, but not from opening a WebSocket (browsers apply no CORS to
/// it): without this, any site could connect in its visitor's name
/// ("cross-site WebSocket hijacking"). A request without `Origin` (not a
/// browser's) and a page of the host's own origin pass.
pub(crate) async fn refuse_unlisted_origins(
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
pub(crate) fn is_socket_io_path(path: &str) -> bool {
    path.strip_prefix("/socket.io")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether `request` opens a socket.io session: it has no `sid` yet.
pub(crate) fn opens_session(request: &Request) -> bool {
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
pub(crate) async fn own_request_parts(mut request: Request) -> Request {
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

/// The origins listed, lowercased, unless none were or `*` was.
pub(crate) fn listed_origins(limits: &Limits) -> Option<ListedOrigins> {
    let origins = limits.cors_origins.as_ref()?;
    if origins.iter().any(|origin| origin == "*") {
        return None;
    }
    Some(Arc::new(
        origins
            .iter()
            .map(|origin| origin.to_ascii_lowercase())
            .collect(),
    ))
}

/// The CORS layer for the origins given, if any were.
pub(crate) fn cors_layer(limits: &Limits) -> std::io::Result<Option<CorsLayer>> {
    let Some(origins) = &limits.cors_origins else {
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
    fn socket_io_answers_its_path_with_and_without_the_slash() {
        for path in ["/socket.io", "/socket.io/", "/socket.io/x"] {
            assert!(is_socket_io_path(path), "{path}");
        }
        for path in ["/socket.iox", "/", "/pages/socket.io/", "/socket.io.min.js"] {
            assert!(!is_socket_io_path(path), "{path}");
        }
    }
}
