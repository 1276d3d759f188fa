//! How handler results become socket.io acknowledgements, and how a payload
//! that does not decode is answered.

use std::convert::Infallible;
use std::sync::Arc;

use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;

use crate::adapter::{Peer, with_peer};
use crate::validate::Violation;

/// A handler's result that may be sent back as the ack.
///
/// `()` sends no ack, as a NestJS handler that returns nothing: a client that
/// passed an ack callback never hears back, which is what the spec declared.
pub trait IntoAck {
    /// Sends `self` through `ack`, or nothing.
    fn send<A: Adapter>(self, ack: AckSender<A>);
}

impl IntoAck for () {
    fn send<A: Adapter>(self, _ack: AckSender<A>) {}
}

macro_rules! ack_as_data {
    ($($ty:ty),*) => {$(
        impl IntoAck for $ty {
            fn send<A: Adapter>(self, ack: AckSender<A>) {
                send_data(ack, &self);
            }
        }
    )*};
}
ack_as_data!(String, &'static str, serde_json::Value, i64, f64, bool);

/// A typed ack: what a service method returns when its event declares an
/// `ack_schema`. The generated handler wraps the method's result in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack<T>(pub T);

impl<T: Serialize> IntoAck for Ack<T> {
    fn send<A: Adapter>(self, ack: AckSender<A>) {
        send_data(ack, &self.0);
    }
}

fn send_data<A: Adapter, T: Serialize + ?Sized>(ack: AckSender<A>, data: &T) {
    if let Err(err) = ack.send(data) {
        tracing::warn!(%err, "could not send ack");
    }
}

/// Answers a refused message with `error`: as the ack when the client
/// asked for one, else as an `exception` event, as NestJS reports a
/// `WsException`. Every refusal (payload, guard, shutdown) goes through here.
pub(crate) fn answer_error<A: Adapter, T: Serialize + ?Sized>(
    socket: &SocketRef<A>,
    ack: AckSender<A>,
    ack_requested: bool,
    error: &T,
) {
    if ack_requested {
        send_data(ack, error);
    } else {
        emit_exception(socket, error);
    }
}

fn emit_exception<A: Adapter, T: Serialize + ?Sized>(socket: &SocketRef<A>, error: &T) {
    if let Err(err) = socket.emit("exception", error) {
        tracing::warn!(%err, "could not emit exception");
    }
}

/// The answer to a payload that does not fit its event: sent as the ack
/// when the client asked for one, else as an `exception` event, the way
/// NestJS's `WsException` reports errors. `docs/errors.md` documents it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayloadError {
    /// Always `"error"`, as in NestJS.
    pub status: &'static str,
    /// Always `"invalid_payload"`: what went wrong, for code to test.
    pub code: &'static str,
    /// The event whose payload was refused.
    pub event: String,
    /// What was wrong, in words: the first violation, and how many more.
    pub message: String,
    /// Every way the payload does not fit, each with its place and rule.
    pub violations: Vec<Violation>,
}

impl PayloadError {
    /// The code of every refused payload.
    pub const CODE: &'static str = "invalid_payload";

    pub(crate) fn new(event: &str, violations: Vec<Violation>) -> Self {
        let mut message = match violations.first() {
            Some(first) if first.path == "$" => format!("the payload {}", first.message),
            Some(first) => format!("{}: {}", first.path, first.message),
            None => "the payload does not fit its schema".to_owned(),
        };
        if violations.len() > 1 {
            message.push_str(&format!(" (and {} more)", violations.len() - 1));
        }
        Self {
            status: "error",
            code: Self::CODE,
            event: event.to_owned(),
            message,
            violations,
        }
    }

    pub(crate) fn answer<A: Adapter>(
        &self,
        socket: &SocketRef<A>,
        ack: AckSender<A>,
        ack_requested: bool,
    ) {
        tracing::info!(socket = %socket.id, event = %self.event, message = %self.message, "payload refused");
        answer_error(socket, ack, ack_requested, self);
    }
}

/// The answer to a message a guard refused (docs/errors.md): the same
/// shape as a refused payload's, without violations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardError {
    /// Always `"error"`.
    pub status: &'static str,
    /// Always `"forbidden"`.
    pub code: &'static str,
    /// The event that was refused.
    pub event: String,
    /// Why, in words.
    pub message: String,
}

impl GuardError {
    /// The code of every message a guard refuses.
    pub const CODE: &'static str = "forbidden";
}

/// A message a guard refused, ready to be answered; made by
/// [`crate::EventContext::require_role`], `require_room` or `forbidden`.
/// A handler returning `Result<A, Forbidden>` acks `A`, or this.
#[derive(Debug, Clone)]
pub struct Forbidden {
    pub(crate) error: GuardError,
    pub(crate) peer: Peer,
    pub(crate) ack_requested: bool,
}

impl Forbidden {
    /// What the client is told.
    pub fn error(&self) -> &GuardError {
        &self.error
    }
}

impl<T: IntoAck> IntoAck for Result<T, Forbidden> {
    fn send<A: Adapter>(self, ack: AckSender<A>) {
        match self {
            Ok(answer) => answer.send(ack),
            Err(refused) => with_peer!(&refused.peer, |socket, _| {
                let error = &refused.error;
                tracing::info!(socket = %socket.id, event = %error.event, message = %error.message, "message refused by a guard");
                // The ack and the socket are the same socket's, but typed
                // apart: the ack by the handler, the socket by the context.
                if refused.ack_requested {
                    send_data(ack, error);
                } else {
                    emit_exception(socket, error);
                }
            }),
        }
    }
}

/// Whether the client passed an ack callback with its message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AckRequested(pub bool);

impl<A: Adapter> FromMessageParts<A> for AckRequested {
    type Error = Infallible;

    fn from_message_parts(
        _socket: &Arc<Socket<A>>,
        _data: &mut socketioxide::handler::Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        Ok(Self(ack_id.is_some()))
    }
}
