//! What gatesmith-generated gateways call, and the [`Host`] that serves them.
//!
//! Generated code stays thin: it declares types, a service trait whose
//! defaults come from the spec, and one [`Gateway`] that wires each event to
//! the service. Everything every gateway does the same way lives here, once:
//! decoding payloads, answering bad ones, acknowledging, emitting to a target,
//! scheduling delayed emissions and cancelling them when the socket leaves.
//!
//! ```no_run
//! use gatesmith_runtime::{EventContext, Gateway, Host, To};
//!
//! struct Echo;
//!
//! # async fn run() -> std::io::Result<()> {
//! let echo = Gateway::new("echo", "/", Echo, |events| {
//!     events.on_payload("echo", |_service, cx: EventContext, text: String| async move {
//!         cx.emit(To::Others, "echoed", &text).await;
//!         text
//!     });
//! });
//! Host::from_env()?.gateway(echo).serve().await
//! # }
//! ```

mod ack;
mod adapter;
mod connection;
mod context;
mod delayed;
mod delivery;
mod dispatch;
mod gateway;
pub mod guard;
mod host;
mod http;
mod limits;
mod metrics;
mod rate;
mod redis;
mod serve;
mod session;
mod shutdown;
mod text;
mod throttle;
mod validate;

pub use ack::{Ack, Forbidden, GuardError, IntoAck, PayloadError, Reply};
pub use adapter::{RedisAdapter, SenderSocket};
pub use context::{AskError, Askable, EventContext, ServerEvent, To};
pub use gateway::{Events, Gateway, GatewayBuilder, Verdict};
pub use host::{
    DEFAULT_PORT, HEALTHZ_PATH, Host, METRICS_PATH, READYZ_PATH, SOCKET_IO_CLIENT_PATH,
};
pub use limits::{
    DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_PAYLOAD_BYTES,
    DEFAULT_MAX_PENDING_DELAYED, DEFAULT_MAX_QUEUED_PACKETS, DEFAULT_PING_INTERVAL,
    DEFAULT_PING_TIMEOUT, DEFAULT_WRITE_TIMEOUT,
};
pub use rate::{Rate, RateLimited};
pub use serve::Bound;
pub use shutdown::{CLOSE_TIMEOUT, DRAIN_TIMEOUT, POLLING_FLUSH};
pub use text::Shown;
pub use validate::{PayloadSchemas, Violation};

/// Re-exported so generated code needs no dependency of its own on them.
pub use serde;
pub use serde_json;
pub use socketioxide;
