//! How handler results become socket.io acknowledgements, and how a payload
//! that does not decode is answered.

use serde::Serialize;
use socketioxide::extract::{AckSender, SocketRef};

/// A handler's result that may be sent back as the ack.
///
/// `()` sends no ack, as a NestJS handler that returns nothing: a client that
/// passed an ack callback never hears back, which is what the spec declared.
pub trait IntoAck {
    /// Sends `self` through `ack`, or nothing.
    fn send(self, ack: AckSender);
}

impl IntoAck for () {
    fn send(self, _ack: AckSender) {}
}

macro_rules! ack_as_data {
    ($($ty:ty),*) => {$(
        impl IntoAck for $ty {
            fn send(self, ack: AckSender) {
                send_data(ack, &self);
            }
        }
    )*};
}
ack_as_data!(String, &'static str, serde_json::Value, i64, f64, bool);

fn send_data<T: Serialize + ?Sized>(ack: AckSender, data: &T) {
    if let Err(err) = ack.send(data) {
        tracing::warn!(%err, "could not send ack");
    }
}

/// The answer to a payload that does not fit its event: sent as the ack when
/// the client asked for one, and always as an `exception` event, the way
/// NestJS's `WsException` reports errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayloadError {
    /// Always `"error"`, as in NestJS.
    pub status: &'static str,
    /// The event whose payload was refused.
    pub event: String,
    /// What was wrong, in words.
    pub message: String,
}

impl PayloadError {
    pub(crate) fn new(event: &str, message: impl Into<String>) -> Self {
        Self {
            status: "error",
            event: event.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn answer(&self, socket: &SocketRef, ack: AckSender) {
        tracing::info!(socket = %socket.id, event = %self.event, message = %self.message, "payload refused");
        send_data(ack, self);
        if let Err(err) = socket.emit("exception", self) {
            tracing::warn!(%err, "could not emit exception");
        }
    }
}
