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
mod context;
mod delayed;
mod gateway;
pub mod guard;
mod host;
mod redis;
mod text;
mod validate;

pub use ack::{Ack, Forbidden, GuardError, IntoAck, PayloadError};
pub use adapter::{RedisAdapter, SenderSocket};
pub use context::{AskError, Askable, EventContext, ServerEvent, To};
pub use gateway::{Events, Gateway, GatewayBuilder, Verdict};
pub use host::{Bound, Host, SOCKET_IO_CLIENT_PATH};
pub use text::Shown;
pub use validate::{PayloadSchemas, Violation};

/// Re-exported so generated code needs no dependency of its own on them.
pub use serde;
pub use serde_json;
pub use socketioxide;
