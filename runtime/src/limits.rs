//! What a client may do and how long it may take: every limit of a host,
//! its default, and the environment variable that sets it. docs/host.md
//! lists each one with what a client sees past it.

use std::time::Duration;

/// Largest message a client may send when neither
/// [`crate::Host::max_payload_bytes`] nor `GATESMITH_MAX_PAYLOAD_BYTES` says
/// otherwise: 1 MiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// How many delayed emissions one socket may have waiting by default.
pub const DEFAULT_MAX_PENDING_DELAYED: usize = 1024;

/// How often the server pings each client by default (socket.io's): 25 s.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(25);

/// How long the server waits for a client's pong by default (socket.io's): 20 s.
pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(20);

/// How many messages of one client may be in flight (read, not yet
/// answered) by default; past it the host stops reading that client.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;

/// How many packets may wait in one client's outgoing queue by default.
pub const DEFAULT_MAX_QUEUED_PACKETS: usize = 1024;

/// How long a write may wait for a client to read by default before the
/// client is disconnected as a slow consumer.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send an HTTP request's headers by default.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The limits of one host.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Limits {
    pub(crate) max_payload_bytes: usize,
    pub(crate) max_pending_delayed: usize,
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    /// `None`: no CORS headers, so browsers allow same-origin pages only.
    pub(crate) cors_origins: Option<Vec<String>>,
    pub(crate) max_in_flight: usize,
    pub(crate) max_queued_packets: usize,
    pub(crate) write_timeout: Duration,
    pub(crate) header_timeout: Duration,
    /// `None`: as many as the process can hold.
    pub(crate) max_connections: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_pending_delayed: DEFAULT_MAX_PENDING_DELAYED,
            ping_interval: DEFAULT_PING_INTERVAL,
            ping_timeout: DEFAULT_PING_TIMEOUT,
            cors_origins: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_queued_packets: DEFAULT_MAX_QUEUED_PACKETS,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: None,
        }
    }
}

pub(crate) const CORS_ORIGINS_VAR: &str = "GATESMITH_CORS_ORIGINS";

const COUNT: &str = "a number (1 or more)";
const COUNT_OR_ZERO: &str = "a number (0 or more)";
const MILLISECONDS: &str = "a number of milliseconds (1 or more)";

impl Limits {
    /// Sets each limit whose variable `var` finds; a value that does not
    /// parse is an error naming its variable, never a silent default.
    pub(crate) fn read_env(
        &mut self,
        var: &impl Fn(&str) -> Option<String>,
    ) -> std::io::Result<()> {
        let count = |text: &str| text.parse::<usize>().ok().filter(|&n| n > 0);
        let millis = |text: &str| {
            (text.parse::<u64>().ok())
                .filter(|&ms| ms > 0)
                .map(Duration::from_millis)
        };
        let counts: [(&str, &mut usize, &str); 3] = [
            (
                "GATESMITH_MAX_PAYLOAD_BYTES",
                &mut self.max_payload_bytes,
                "a number of bytes (1 or more)",
            ),
            ("GATESMITH_MAX_IN_FLIGHT", &mut self.max_in_flight, COUNT),
            (
                "GATESMITH_MAX_QUEUED_PACKETS",
                &mut self.max_queued_packets,
                COUNT,
            ),
        ];
        for (name, field, expected) in counts {
            if let Some(text) = var(name) {
                *field = parse_var(name, &text, expected, count)?;
            }
        }
        if let Some(text) = var("GATESMITH_MAX_PENDING_DELAYED") {
            self.max_pending_delayed =
                parse_var("GATESMITH_MAX_PENDING_DELAYED", &text, COUNT_OR_ZERO, |t| {
                    t.parse::<usize>().ok()
                })?;
        }
        if let Some(text) = var("GATESMITH_MAX_CONNECTIONS") {
            self.max_connections =
                Some(parse_var("GATESMITH_MAX_CONNECTIONS", &text, COUNT, count)?);
        }
        let durations: [(&str, &mut Duration); 4] = [
            ("GATESMITH_PING_INTERVAL_MS", &mut self.ping_interval),
            ("GATESMITH_PING_TIMEOUT_MS", &mut self.ping_timeout),
            ("GATESMITH_WRITE_TIMEOUT_MS", &mut self.write_timeout),
            ("GATESMITH_HEADER_TIMEOUT_MS", &mut self.header_timeout),
        ];
        for (name, field) in durations {
            if let Some(text) = var(name) {
                *field = parse_var(name, &text, MILLISECONDS, millis)?;
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
                self.cors_origins = Some(origins);
            }
        }
        Ok(())
    }

    /// Refuses limits the host cannot run with.
    pub(crate) fn check(&self) -> std::io::Result<()> {
        let zero = [
            (self.max_payload_bytes == 0, "max_payload_bytes"),
            (self.max_in_flight == 0, "max_in_flight"),
            (self.max_queued_packets == 0, "max_queued_packets"),
            (self.max_connections == Some(0), "max_connections"),
        ];
        if let Some((_, name)) = zero.iter().find(|(zero, _)| *zero) {
            return Err(invalid(format!("{name} must be 1 or more")));
        }
        let durations = [
            (self.ping_interval, "ping_interval"),
            (self.ping_timeout, "ping_timeout"),
            (self.write_timeout, "write_timeout"),
            (self.header_timeout, "header_timeout"),
        ];
        if let Some((_, name)) = durations.iter().find(|(duration, _)| duration.is_zero()) {
            return Err(invalid(format!("{name} must be longer than 0")));
        }
        if let Some(origins) = &self.cors_origins
            && let Some(bad) = origins.iter().find(|origin| !is_origin(origin))
        {
            return Err(invalid(format!(
                "CORS origin {bad:?} is not an origin (scheme://host[:port], or *)"
            )));
        }
        Ok(())
    }
}

/// Whether `text` is `*` or an origin as browsers send it: a scheme, `://`,
/// a host and maybe a port, nothing after.
pub(crate) fn is_origin(text: &str) -> bool {
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

pub(crate) fn invalid(message: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message.into())
}

/// `text`, the value of the variable `name`, read by `parse`; or an error
/// naming the variable, its value and what it should be.
pub(crate) fn parse_var<T>(
    name: &str,
    text: &str,
    expected: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> std::io::Result<T> {
    parse(text.trim()).ok_or_else(|| invalid(format!("{name}={text:?} is not {expected}")))
}
