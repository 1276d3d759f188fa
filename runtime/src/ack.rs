//! How handler results become socket.io acknowledgements, and how a payload
//! that does not decode is answered.

use std::sync::Arc;
use tokio::time::Instant;

use serde::Serialize;
use socketioxide::SendError;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::handler::{FromMessageParts, Value};
use socketioxide::socket::Socket;

use crate::delivery::{Failed, when_room};
use crate::metrics::EventMetrics;
use crate::session::{Session, Ticket};
use crate::validate::Violation;

/// Where the answer to one message goes: its ack, when the client passed
/// an ack callback, else (for errors) an `exception` event to the sender.
pub struct Reply<A: Adapter> {
    socket: Arc<Socket<A>>,
    ack_id: Option<i64>,
    session: Arc<Session>,
    /// Where the answer is counted, and when the message came; taken once
    /// counted.
    counted: Option<(Arc<EventMetrics>, Instant)>,
    /// The message's place among its session's messages in flight: held
    /// until the answer is queued, also when it waits for room, so that a
    /// client that reads its answers slowly is held back too.
    ticket: Option<Ticket>,
}

impl<A: Adapter> Reply<A> {
    pub(crate) fn new(
        socket: Arc<Socket<A>>,
        ack_id: Option<i64>,
        session: Arc<Session>,
        metrics: &Arc<EventMetrics>,
        received: Instant,
    ) -> Self {
        Self {
            socket,
            ack_id,
            session,
            counted: Some((Arc::clone(metrics), received)),
            ticket: None,
        }
    }

    /// The answer, holding the message's place in flight until it is queued.
    pub(crate) fn holding(mut self, ticket: Ticket) -> Self {
        self.ticket = Some(ticket);
        self
    }

    /// Counts the message's outcome: handled (`None`) or refused with `code`.
    fn count(&mut self, outcome: Option<&str>) {
        if let Some((metrics, received)) = self.counted.take() {
            metrics.record(outcome, received);
        }
    }

    /// Acks `data`, if the client asked for an ack.
    pub(crate) fn data<T: Serialize + ?Sized>(mut self, data: &T) {
        self.count(None);
        let Some(ack_id) = self.ack_id else {
            return;
        };
        if let Err(err) = self.ack_sender(ack_id).send(data) {
            self.retry("an ack", &err, data, move |socket, value| {
                ack_sender(socket, ack_id).send(value)
            });
        }
    }

    /// Answers with `error`: as the ack when the client asked for one,
    /// else as an `exception` event, as NestJS reports a `WsException`.
    /// Every refusal (payload, guard, rate, shutdown) goes through here,
    /// with its `code`.
    pub(crate) fn error<T: Serialize + ?Sized>(mut self, code: &'static str, error: &T) {
        self.count(Some(code));
        if self.ack_id.is_some() {
            return self.data(error);
        }
        let socket = SocketRef::from(Arc::clone(&self.socket));
        if let Err(err) = socket.emit("exception", error) {
            self.retry("an exception event", &err, error, |socket, value| {
                SocketRef::from(Arc::clone(socket)).emit("exception", value)
            });
        }
    }

    fn ack_sender(&self, ack_id: i64) -> AckSender<A> {
        ack_sender(&self.socket, ack_id)
    }

    /// After `err`: sends `data` through `send` once the queue has room,
    /// or says why it cannot be sent.
    fn retry<T, F>(mut self, what: &'static str, err: &SendError, data: &T, send: F)
    where
        T: Serialize + ?Sized,
        F: Fn(&Arc<Socket<A>>, &serde_json::Value) -> Result<(), SendError> + Send + 'static,
    {
        match Failed::from(err) {
            Failed::Full => match serde_json::to_value(data) {
                Ok(value) => {
                    let socket = Arc::clone(&self.socket);
                    let ticket = self.ticket.take();
                    when_room(
                        SocketRef::from(Arc::clone(&self.socket)),
                        &self.session,
                        what,
                        move |_| {
                            // Held while the answer waits, dropped with the task.
                            let _in_flight = &ticket;
                            send(&socket, &value)
                        },
                    );
                }
                Err(err) => {
                    crate::throttle::log!(warn, "could not serialize an answer", what, %err)
                }
            },
            Failed::Gone => {}
            Failed::Unsendable(why) => {
                crate::throttle::log!(warn, "could not serialize an answer", what, why)
            }
        }
    }
}

impl<A: Adapter> Drop for Reply<A> {
    /// A handler that acks nothing is counted when its reply goes; one
    /// that panicked, as an `error`.
    fn drop(&mut self) {
        let outcome = std::thread::panicking().then_some("error");
        self.count(outcome);
    }
}

/// An ack sender for the message `ack_id` of `socket`.
fn ack_sender<A: Adapter>(socket: &Arc<Socket<A>>, ack_id: i64) -> AckSender<A> {
    let mut nothing = Value::Str(socketioxide_core::Str::from(""), None);
    match AckSender::from_message_parts(socket, &mut nothing, &Some(ack_id)) {
        Ok(sender) => sender,
        Err(never) => match never {},
    }
}

/// A handler's result that may be sent back as the ack.
///
/// `()` sends no ack, as a NestJS handler that returns nothing: a client that
/// passed an ack callback never hears back, which is what the spec declared.
pub trait IntoAck {
    /// Sends `self` through `reply`, or nothing.
    fn send<A: Adapter>(self, reply: Reply<A>);
}

impl IntoAck for () {
    fn send<A: Adapter>(self, _reply: Reply<A>) {}
}

macro_rules! ack_as_data {
    ($($ty:ty),*) => {$(
        impl IntoAck for $ty {
            fn send<A: Adapter>(self, reply: Reply<A>) {
                reply.data(&self);
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
    fn send<A: Adapter>(self, reply: Reply<A>) {
        reply.data(&self.0);
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

    pub(crate) fn answer<A: Adapter>(&self, reply: Reply<A>) {
        crate::throttle::log!(info, "payload refused", ns = reply.socket.ns(), socket = %reply.socket.id, event = %self.event, why = %self.message);
        reply.error(Self::CODE, self);
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
}

impl Forbidden {
    /// What the client is told.
    pub fn error(&self) -> &GuardError {
        &self.error
    }
}

impl<T: IntoAck> IntoAck for Result<T, Forbidden> {
    fn send<A: Adapter>(self, reply: Reply<A>) {
        match self {
            Ok(answer) => answer.send(reply),
            Err(refused) => {
                let error = &refused.error;
                crate::throttle::log!(info, "message refused by a guard", ns = reply.socket.ns(), socket = %reply.socket.id, event = %error.event, why = %error.message);
                reply.error(GuardError::CODE, error);
            }
        }
    }
}

/// The answer to a message that arrived once shutdown had begun
/// (docs/errors.md).
#[derive(Debug, Serialize)]
pub(crate) struct ShuttingDown<'a> {
    status: &'static str,
    code: &'static str,
    event: &'a str,
    message: &'static str,
}

impl<'a> ShuttingDown<'a> {
    pub(crate) const CODE: &'static str = "shutting_down";

    pub(crate) fn new(event: &'a str) -> Self {
        Self {
            status: "error",
            code: Self::CODE,
            event,
            message: "the server is shutting down; send it again once reconnected",
        }
    }
}
