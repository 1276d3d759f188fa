//! What a running host counts, served at `/metrics` in the OpenMetrics text
//! format that Prometheus scrapes (through `prometheus-client`, the
//! Prometheus project's own Rust client). Names and labels follow
//! Prometheus's conventions: `_total` counters, base units (`_seconds`),
//! and a bounded label set: events are the ones the gateways declare, an
//! event a client invents is counted as `(unknown)`, never as a new series.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use tokio::time::Instant;

/// The codes of the answers that refuse a message (docs/errors.md).
const REFUSALS: [&str; 4] = [
    "invalid_payload",
    "forbidden",
    "rate_limited",
    "shutting_down",
];

/// The event label of messages whose event no gateway declares.
pub(crate) const UNKNOWN_EVENT: &str = "(unknown)";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NamespaceLabels {
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    namespace: String,
    /// `accepted`, or why not: `unauthorized`, `full`, `shutting_down`.
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    gateway: String,
    event: String,
    /// `ok`, or the refusal's code (`invalid_payload`, `forbidden`,
    /// `rate_limited`, `shutting_down`), or `error` (the handler panicked).
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventKey {
    gateway: String,
    event: String,
}

/// A host's metrics.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    sockets: Family<NamespaceLabels, Gauge>,
    connections: Family<ConnectionLabels, Counter>,
    events: Family<EventLabels, Counter>,
    durations: Family<EventKey, Histogram>,
    pub(crate) delayed_pending: Gauge,
    pub(crate) slow_consumers: Counter,
    pub(crate) too_large: Counter,
    /// Whether Redis is connected, and the gauge that shows it when scraped.
    redis: Option<(Arc<AtomicBool>, Gauge)>,
    /// The handles of each event, made once per event, not per socket.
    by_event: Mutex<HashMap<(String, &'static str), Arc<EventMetrics>>>,
}

impl Metrics {
    pub(crate) fn new(redis_up: Option<Arc<AtomicBool>>) -> Arc<Self> {
        let mut registry = Registry::with_prefix("gatesmith");
        let sockets = Family::<NamespaceLabels, Gauge>::default();
        registry.register(
            "sockets_connected",
            "Sockets connected, per namespace",
            sockets.clone(),
        );
        let connections = Family::<ConnectionLabels, Counter>::default();
        registry.register(
            "connections",
            "Connections to a namespace, accepted or refused and why",
            connections.clone(),
        );
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "events_received",
            "Messages received, per gateway and event, by outcome",
            events.clone(),
        );
        let durations = Family::<EventKey, Histogram>::new_with_constructor(|| {
            // 100 µs to about 6.5 s.
            Histogram::new(exponential_buckets(0.000_1, 2.0, 17))
        });
        registry.register_with_unit(
            "event_duration",
            "Time from a message received to its answer sent",
            Unit::Seconds,
            durations.clone(),
        );
        let delayed_pending = Gauge::default();
        registry.register(
            "delayed_emissions_pending",
            "Delayed emissions and ask: waits pending",
            delayed_pending.clone(),
        );
        let slow_consumers = Counter::default();
        registry.register(
            "slow_consumers_disconnected",
            "Clients disconnected for not reading what they were sent",
            slow_consumers.clone(),
        );
        let too_large = Counter::default();
        registry.register(
            "messages_too_large",
            "Long-polling requests refused for exceeding the payload limit",
            too_large.clone(),
        );
        let redis = redis_up.map(|up| {
            let gauge = Gauge::<i64>::default();
            registry.register(
                "redis_connected",
                "Whether the Redis adapter is connected (1) or not (0)",
                gauge.clone(),
            );
            (up, gauge)
        });
        Arc::new(Self {
            registry,
            sockets,
            connections,
            events,
            durations,
            delayed_pending,
            slow_consumers,
            too_large,
            redis,
            by_event: Mutex::new(HashMap::new()),
        })
    }

    /// The metrics of `event` of `gateway`.
    pub(crate) fn event(&self, gateway: &str, event: &'static str) -> Arc<EventMetrics> {
        let mut by_event = self.by_event.lock().unwrap_or_else(|p| p.into_inner());
        let key = (gateway.to_owned(), event);
        Arc::clone(by_event.entry(key).or_insert_with(|| {
            // One handle per statement: a family's handle holds its read
            // lock until its statement ends, and the next may need to write.
            let counter = |outcome: &str| {
                let labels = EventLabels {
                    gateway: gateway.to_owned(),
                    event: event.to_owned(),
                    outcome: outcome.to_owned(),
                };
                // Edition 2024: the tail's guard goes before the closure returns.
                self.events.get_or_create(&labels).clone()
            };
            let key = EventKey {
                gateway: gateway.to_owned(),
                event: event.to_owned(),
            };
            let duration = self.durations.get_or_create(&key).clone();
            Arc::new(EventMetrics {
                ok: counter("ok"),
                error: counter("error"),
                refused: REFUSALS.map(|code| (code, counter(code))),
                duration,
            })
        }))
    }

    /// A message of `gateway` whose event it does not declare.
    pub(crate) fn unknown_event(&self, gateway: &str) -> Counter {
        let labels = EventLabels {
            gateway: gateway.to_owned(),
            event: UNKNOWN_EVENT.to_owned(),
            outcome: "unknown_event".to_owned(),
        };
        self.events.get_or_create(&labels).clone()
    }

    /// A socket connected to `namespace` (+1) or left it (-1).
    pub(crate) fn socket(&self, namespace: &str, change: i64) {
        let labels = NamespaceLabels {
            namespace: namespace.to_owned(),
        };
        self.sockets.get_or_create(&labels).inc_by(change);
    }

    /// A connection to `namespace` was accepted, or refused (`outcome`).
    pub(crate) fn connection(&self, namespace: &str, outcome: &str) {
        let labels = ConnectionLabels {
            namespace: namespace.to_owned(),
            outcome: outcome.to_owned(),
        };
        self.connections.get_or_create(&labels).inc();
    }

    /// The metrics in the OpenMetrics text format.
    pub(crate) fn render(&self) -> String {
        if let Some((up, gauge)) = &self.redis {
            // Read when scraped: the adapter's watcher only flips the flag.
            gauge.set(i64::from(up.load(Ordering::Acquire)));
        }
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

/// The counters of one event: made once, then counted lock-free.
#[derive(Debug)]
pub(crate) struct EventMetrics {
    ok: Counter,
    error: Counter,
    refused: [(&'static str, Counter); 4],
    duration: Histogram,
}

impl EventMetrics {
    /// One message of this event answered with `outcome` (`None`: handled),
    /// received at `received`.
    pub(crate) fn record(&self, outcome: Option<&str>, received: Instant) {
        match outcome {
            None => self.ok.inc(),
            Some(code) => match self.refused.iter().find(|(known, _)| *known == code) {
                Some((_, counter)) => counter.inc(),
                None => self.error.inc(),
            },
        };
        self.duration.observe(received.elapsed().as_secs_f64());
    }
}
