//! What a handler knows about the message it handles, and how it emits.

use std::cell::RefCell;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::{AckError, BroadcastError, SendError, SocketIo};
use socketioxide_core::adapter::errors::SocketError;
use tokio::time::Instant;

use crate::ack::{Forbidden, GuardError};
use crate::adapter::{Peer, SenderSocket, with_peer};
use crate::delayed::Delayed;
use crate::delivery::{Failed, when_room};
use crate::session::Session;

/// Who receives an emission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    /// The socket that sent the message (NestJS's `@ConnectedSocket()` emit).
    Sender,
    /// Every socket of the namespace, the sender included (`@WebSocketServer()` emit).
    All,
    /// Every socket of the namespace but the sender.
    Others,
    /// Every socket in the room, the sender included if it is in it
    /// (`server.to(room)` in NestJS).
    Room(String),
    /// Every socket in the room but the sender (`socket.to(room)`).
    RoomOthers(String),
    /// Every socket sharing a room with the sender, but the sender.
    SenderRooms,
}

/// An event the server sends, declared in a spec's `server_events`: its
/// name and the type of its data. Generated code declares one marker type
/// per event (`aaa::server_events::Guang`); [`EventContext::send`] takes it,
/// so the name cannot be misspelt and the data cannot be of the wrong type.
pub trait ServerEvent {
    /// The socket.io event name.
    const NAME: &'static str;
    /// What the event carries; `()` sends `null`.
    type Data: Serialize + Send + Sync + 'static;
}

/// A server event the client answers through its ack callback
/// (`reply:` in the spec): the server sends it with [`EventContext::ask`].
pub trait Askable: ServerEvent {
    /// What the client answers.
    type Reply: DeserializeOwned + Send + 'static;
}

/// Why [`EventContext::ask`] got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskError {
    /// The client did not answer in time (or has no handler that acks).
    Timeout,
    /// The client answered something that is not a `Reply`.
    Unreadable(String),
    /// The question could not be sent or the client went away.
    Gone(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskError::Timeout => f.write_str("the client did not answer in time"),
            AskError::Unreadable(why) => write!(f, "the client's answer could not be read: {why}"),
            AskError::Gone(why) => write!(f, "the client could not be asked: {why}"),
        }
    }
}

impl std::error::Error for AskError {}

/// The socket a message came from and the moment it arrived.
#[derive(Debug, Clone)]
pub struct EventContext {
    peer: Peer,
    received: Instant,
    delayed: Arc<Delayed>,
    session: Arc<Session>,
    /// The event being handled (`connect` / `disconnect` in those hooks).
    event: &'static str,
}

/// The role a connect guard gave a socket, kept in its extensions.
#[derive(Debug, Clone)]
pub(crate) struct Role(pub(crate) String);

impl EventContext {
    pub(crate) fn new(
        peer: Peer,
        delayed: Arc<Delayed>,
        session: Arc<Session>,
        event: &'static str,
        received: Instant,
    ) -> Self {
        Self {
            peer,
            received,
            delayed,
            session,
            event,
        }
    }

    /// The event being handled: its name as the client emitted it.
    pub fn event(&self) -> &'static str {
        self.event
    }

    /// The role the gateway's connect guard gave the sender, if any.
    pub fn role(&self) -> Option<String> {
        with_peer!(&self.peer, |socket, _| socket.extensions.get::<Role>()).map(|role| role.0)
    }

    /// Refuses the message unless the sender's role is `role`: the answer
    /// is a [`Forbidden`] error (as the ack, or an `exception` event).
    pub fn require_role(&self, role: &str) -> Result<(), Forbidden> {
        match self.role() {
            Some(given) if given == role => Ok(()),
            Some(given) => Err(self.forbidden(format!(
                "only the role `{role}` may send this; yours is `{given}`"
            ))),
            None => Err(self.forbidden(format!(
                "only the role `{role}` may send this; you have none"
            ))),
        }
    }

    /// Refuses the message unless the sender is in `room`.
    pub fn require_room(&self, room: impl AsRef<str>) -> Result<(), Forbidden> {
        let room = room.as_ref();
        if self.in_room(room) {
            Ok(())
        } else {
            Err(self.forbidden(format!("only members of the room {room:?} may send this")))
        }
    }

    /// A [`Forbidden`] answer to this message, saying why.
    pub fn forbidden(&self, message: impl Into<String>) -> Forbidden {
        Forbidden {
            error: GuardError {
                status: "error",
                code: GuardError::CODE,
                event: self.event.to_owned(),
                message: message.into(),
            },
        }
    }

    /// The socket that sent the message, as socketioxide types it on the
    /// host's adapter.
    pub fn socket(&self) -> SenderSocket<'_> {
        self.peer.socket()
    }

    /// The sender's socket.io id.
    pub fn id(&self) -> String {
        with_peer!(&self.peer, |socket, _| socket.id.to_string())
    }

    /// Puts the sender in `room` (created on first use), for `To::Room`.
    /// On a host sharing rooms through Redis, emissions to the room from
    /// any host reach it.
    pub fn join(&self, room: impl Into<String>) {
        with_peer!(&self.peer, |socket, _| socket.join(room.into()));
    }

    /// Takes the sender out of `room`; nothing happens if it was not in it.
    pub fn leave(&self, room: impl Into<String>) {
        with_peer!(&self.peer, |socket, _| socket.leave(room.into()));
    }

    /// The rooms the sender is in.
    pub fn rooms(&self) -> Vec<String> {
        let rooms = with_peer!(&self.peer, |socket, _| socket.rooms());
        rooms.into_iter().map(|room| room.to_string()).collect()
    }

    /// Whether the sender is in `room`.
    pub fn in_room(&self, room: &str) -> bool {
        let rooms = with_peer!(&self.peer, |socket, _| socket.rooms());
        rooms.iter().any(|joined| joined == room)
    }

    /// Emits `event` with `data` to `to` now. Nothing is lost silently: a
    /// recipient whose outgoing queue is full gets it once there is room,
    /// or is disconnected as a slow consumer (docs/host.md); a failure
    /// (Redis away) is logged, never raised, and the handler goes on.
    pub async fn emit<T: Serialize + ?Sized>(&self, to: To, event: &str, data: &T) {
        // A handler that emits many times in a row yields now and then, so
        // that the writers of its recipients drain their queues before they
        // are full: else a fast client would lose what a busy server could
        // not write to it in time.
        tokio::task::consume_budget().await;
        with_peer!(&self.peer, |socket, io| emit(
            socket,
            io,
            &self.session,
            to,
            event,
            data
        )
        .await);
    }

    /// Sends the server event `E` to the sender and waits, at most
    /// `timeout`, for the answer its ack callback gives:
    /// `socket.on('confirm', (data, ack) => ack(true))` in the client.
    pub async fn ask<E: Askable>(
        &self,
        _event: E,
        data: &E::Data,
        timeout: Duration,
    ) -> Result<E::Reply, AskError> {
        self.emit_asking::<E, E::Data>(data, timeout)?
            .await
            .map_err(ask_error)
    }

    /// Sends the server event `E` to the sender now, and hands its answer
    /// (or why there is none) to `then` later, without waiting for it: the
    /// handler goes on and acks at once. A spec's `ask:` emission is this
    /// call; `then` is the service's `<event>_answered` method. `then`
    /// gets [`AskError::Timeout`] once `timeout` has passed, and
    /// [`AskError::Gone`] as soon as the client disconnects, or at once
    /// when the socket already waits for as many answers and delayed
    /// emissions as the host allows (`Host::max_pending_delayed`).
    pub fn ask_then<E, D, F, Fut>(&self, _event: E, data: &D, timeout: Duration, then: F)
    where
        E: Askable,
        D: Serialize + ?Sized,
        F: FnOnce(Result<E::Reply, AskError>, EventContext) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        // The wait is one of the socket's pending tasks: bounded in
        // number, and ended by the disconnection (socketioxide keeps a gone
        // socket's pending acks until their timeout).
        let cx = self.clone();
        let Some(slot) = self.delayed.reserve() else {
            crate::throttle::log!(warn, "too many answers and delayed emissions pending: not asked", socket = %self.id(), event = E::NAME);
            let full =
                AskError::Gone("too many questions and delayed emissions pending".to_owned());
            tokio::spawn(then(Err(full), cx));
            return;
        };
        // Sent now, in order with the handler's other emissions.
        let waiting = self.emit_asking::<E, D>(data, timeout);
        let delayed = Arc::clone(&self.delayed);
        after_ack(slot.holding(async move {
            let answer = match waiting {
                Ok(waiting) => tokio::select! {
                    answer = waiting => answer.map_err(ask_error),
                    () = delayed.disconnected() => Err(AskError::Gone("the client disconnected".to_owned())),
                },
                Err(unsent) => Err(unsent),
            };
            if let Err(why) = &answer {
                tracing::info!(socket = %cx.id(), event = E::NAME, %why, "asked, not answered");
            }
            then(answer, cx).await;
        }));
    }

    /// Sends `E` with `data` to the sender, asking for its ack within
    /// `timeout`: the answer, on its way.
    fn emit_asking<E: Askable, D: Serialize + ?Sized>(
        &self,
        data: &D,
        timeout: Duration,
    ) -> Result<AnswerFuture<E::Reply>, AskError> {
        with_peer!(&self.peer, |socket, _| {
            (socket.timeout(timeout))
                .emit_with_ack::<_, E::Reply>(E::NAME, data)
                .map(|answer| Box::pin(answer) as AnswerFuture<E::Reply>)
                .map_err(|err| AskError::Gone(err.to_string()))
        })
    }

    /// Sends the server event `E` with `data` to `to` now, as [`Self::emit`].
    pub async fn send<E: ServerEvent>(&self, _event: E, to: To, data: &E::Data) {
        self.emit(to, E::NAME, data).await;
    }

    /// Sends the server event `E` with `data` to `to` once `after` has
    /// passed since the message arrived, as [`Self::emit_after`].
    pub fn send_after<E: ServerEvent>(&self, _event: E, after: Duration, to: To, data: E::Data) {
        self.emit_after(after, to, E::NAME, data);
    }

    /// Emits `event` with `data` to `to` once `after` has passed since the
    /// message arrived, unless the sender disconnects first.
    pub fn emit_after<T>(&self, after: Duration, to: To, event: &'static str, data: T)
    where
        T: Serialize + Send + Sync + 'static,
    {
        let (peer, session) = (self.peer.clone(), Arc::clone(&self.session));
        let scheduled = self.delayed.schedule(self.received + after, async move {
            with_peer!(&peer, |socket, io| emit(
                socket, io, &session, to, event, &data
            )
            .await);
        });
        if !scheduled {
            crate::throttle::log!(warn, "too many delayed emissions pending: dropped one", socket = %self.id(), event);
        }
    }
}

/// A task to start once the running handler's ack has been sent.
type Deferred = Pin<Box<dyn Future<Output = ()> + Send>>;

tokio::task_local! {
    /// The tasks that the running handler's `ask_then`s start.
    static AFTER_ACK: RefCell<Vec<Deferred>>;
}

/// Runs `handling` (a handler, then the sending of its ack), then starts
/// the waits of the handler's `ask_then`s: a client that answers at once
/// still gets its ack before the service hears the answer, whatever the
/// scheduler does between the question and the ack.
pub(crate) async fn answering_after_ack(handling: Deferred) {
    let deferred = AFTER_ACK
        .scope(RefCell::new(Vec::new()), async move {
            handling.await;
            AFTER_ACK.with(RefCell::take)
        })
        .await;
    for task in deferred {
        tokio::spawn(task);
    }
}

/// Starts `task` once the running handler's ack is sent, or now outside a
/// handler (in a connect hook, in a spawned task of the service's).
fn after_ack(task: impl Future<Output = ()> + Send + 'static) {
    let mut task = Some(Box::pin(task) as Deferred);
    let _ = AFTER_ACK.try_with(|deferred| {
        if let Some(task) = task.take() {
            deferred.borrow_mut().push(task);
        }
    });
    if let Some(task) = task {
        tokio::spawn(task);
    }
}

/// A client's answer on its way.
type AnswerFuture<T> = std::pin::Pin<Box<dyn Future<Output = Result<T, AckError>> + Send>>;

fn ask_error(err: AckError) -> AskError {
    match err {
        AckError::Timeout => AskError::Timeout,
        AckError::Decode(why) => AskError::Unreadable(why.to_string()),
        AckError::Socket(why) => AskError::Gone(why.to_string()),
    }
}

pub(crate) async fn emit<A: Adapter, T: Serialize + ?Sized>(
    socket: &SocketRef<A>,
    io: &SocketIo<A>,
    session: &Arc<Session>,
    to: To,
    event: &str,
    data: &T,
) {
    let result = match &to {
        To::Sender => {
            if let Err(err) = socket.emit(event, data) {
                to_sender_later(socket, session, event, data, &err);
            }
            return;
        }
        To::Others => socket.broadcast().emit(event, data).await,
        To::Room(room) => socket.within(room.clone()).emit(event, data).await,
        To::RoomOthers(room) => socket.to(room.clone()).emit(event, data).await,
        To::SenderRooms => {
            let rooms = socket.rooms();
            if rooms.is_empty() {
                // `to(nothing)` would mean the whole namespace.
                return;
            }
            socket.to(rooms).emit(event, data).await
        }
        To::All => match io.of(socket.ns()) {
            Some(everyone) => everyone.emit(event, data).await,
            None => return,
        },
    };
    match result {
        Ok(()) => {}
        Err(BroadcastError::Socket(errors)) => {
            if errors
                .iter()
                .any(|err| matches!(err, SocketError::InternalChannelFull))
            {
                drop_full_recipients(socket, io, session, &to, event);
            }
        }
        Err(err) => {
            crate::throttle::log!(warn, "emit failed", socket = %socket.id, event, ?to, %err);
        }
    }
}

/// After `err`, sends `data` to the sender once its queue has room.
fn to_sender_later<A: Adapter, T: Serialize + ?Sized>(
    socket: &SocketRef<A>,
    session: &Arc<Session>,
    event: &str,
    data: &T,
    err: &SendError,
) {
    match Failed::from(err) {
        Failed::Full => match serde_json::to_value(data) {
            Ok(value) => {
                let event = event.to_owned();
                when_room(socket.clone(), session, "an emission", move |socket| {
                    socket.emit(event.as_str(), &value)
                });
            }
            Err(err) => {
                crate::throttle::log!(warn, "emit failed", socket = %socket.id, event, %err)
            }
        },
        Failed::Gone => {}
        Failed::Unsendable(why) => {
            crate::throttle::log!(warn, "emit failed", socket = %socket.id, event, why)
        }
    }
}

/// A broadcast found full outgoing queues, and socketioxide does not say
/// whose: the recipients whose connection has output waiting are the
/// clients not keeping up, and are dropped as slow consumers rather than
/// left connected without what was sent to them. Any other full queue
/// belongs to a client the server itself is too busy to write to.
fn drop_full_recipients<A: Adapter>(
    socket: &SocketRef<A>,
    io: &SocketIo<A>,
    session: &Arc<Session>,
    to: &To,
    event: &str,
) {
    let recipients = match to {
        To::Sender => return,
        To::Others => socket.broadcast().sockets(),
        To::Room(room) => socket.within(room.clone()).sockets(),
        To::RoomOthers(room) => socket.to(room.clone()).sockets(),
        To::SenderRooms => socket.to(socket.rooms()).sockets(),
        To::All => io
            .of(socket.ns())
            .map(|ns| ns.sockets())
            .unwrap_or_default(),
    };
    let Some(sessions) = session.registry() else {
        return;
    };
    let mut dropped = 0;
    for recipient in recipients {
        if let Some(behind) = sessions.get(recipient.id)
            && behind.transport().is_some_and(|link| link.is_backlogged())
        {
            behind.drop_slow_consumer("a broadcast");
            dropped += 1;
        }
    }
    if dropped == 0 {
        crate::throttle::log!(
            warn,
            "a broadcast found full outgoing queues while the server is too busy to write to them",
            event
        );
    }
}
