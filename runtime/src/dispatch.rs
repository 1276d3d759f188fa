//! One path for every message a gateway handles, whatever its payload:
//! admitted (not once shutdown began), within its rate, counted in its
//! session's messages in flight, its payload read (and checked against its
//! schema when the gateway has one), then handled in a task of its own
//! that acks the result.
//!
//! It runs where socketioxide reads the message, before any task is
//! spawned: a refused message costs no task, and a message counted in
//! flight is counted before the next one is read.

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::{FromMessageParts, MessageHandler, Value};
use socketioxide::socket::Socket;
use tokio::time::Instant;
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TaskTrackerToken;

use crate::ack::{IntoAck, PayloadError, Reply, ShuttingDown};
use crate::adapter::HostAdapter;
use crate::context::{EventContext, answering_after_ack};
use crate::delayed::Delayed;
use crate::metrics::EventMetrics;
use crate::rate::{Budget, RateLimited};
use crate::session::Session;
use crate::validate::{PayloadSchemas, Violation, unreadable};

/// What every handler of one socket shares.
pub(crate) struct Wiring<S, A: HostAdapter> {
    pub(crate) service: Arc<S>,
    pub(crate) io: SocketIo<A>,
    pub(crate) delayed: Arc<Delayed>,
    pub(crate) in_flight: TaskTracker,
    pub(crate) session: Arc<Session>,
    /// The gateway's rate for all its events, for this socket.
    pub(crate) budget: Option<Arc<Budget>>,
}

// By hand: a derive would ask `S: Clone`, and only the `Arc` is cloned.
impl<S, A: HostAdapter> Clone for Wiring<S, A> {
    fn clone(&self) -> Self {
        Self {
            service: Arc::clone(&self.service),
            io: self.io.clone(),
            delayed: Arc::clone(&self.delayed),
            in_flight: self.in_flight.clone(),
            session: Arc::clone(&self.session),
            budget: self.budget.clone(),
        }
    }
}

/// The token that keeps shutdown waiting for a message's handler, unless
/// shutdown has begun: then the message is refused. The token is taken
/// before the check, so a handler admitted before the tracker closed is
/// always waited for.
pub(crate) fn admit(in_flight: &TaskTracker) -> Option<TaskTrackerToken> {
    let token = in_flight.token();
    (!in_flight.is_closed()).then_some(token)
}

/// How an event's payload is read.
pub(crate) trait ReadPayload<A: HostAdapter>: Send + Sync + 'static {
    type Payload: Send + 'static;
    fn read(
        &self,
        socket: &Arc<Socket<A>>,
        value: &mut Value,
    ) -> Result<Self::Payload, Vec<Violation>>;
}

/// An event without payload: whatever the client sent with it is ignored.
pub(crate) struct NoPayload;

impl<A: HostAdapter> ReadPayload<A> for NoPayload {
    type Payload = ();
    fn read(&self, _: &Arc<Socket<A>>, _: &mut Value) -> Result<(), Vec<Violation>> {
        Ok(())
    }
}

/// A payload decoded as `T`, for an event with no schema.
pub(crate) struct Decoded<T>(PhantomData<fn() -> T>);

impl<T> Decoded<T> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<A: HostAdapter, T: DeserializeOwned + Send + 'static> ReadPayload<A> for Decoded<T> {
    type Payload = T;
    fn read(&self, socket: &Arc<Socket<A>>, value: &mut Value) -> Result<T, Vec<Violation>> {
        let Ok(TryData(read)) = TryData::<T>::from_message_parts(socket, value, &None);
        match read {
            Ok(payload) => Ok(payload),
            // An integral number written as `1.0` or `1e2` is an integer to
            // JSON Schema: read as JSON, it decodes once made one.
            Err(err) => {
                match TryData::<serde_json::Value>::from_message_parts(socket, value, &None) {
                    Ok(TryData(Ok(json))) => {
                        crate::validate::decode(json).map_err(|_| vec![unreadable(&err, "type")])
                    }
                    _ => Err(vec![unreadable(&err, "type")]),
                }
            }
        }
    }
}

/// A payload checked against the event's schema, then decoded as `T`.
pub(crate) struct Checked<T> {
    schemas: Arc<PayloadSchemas>,
    event: &'static str,
    decoded: PhantomData<fn() -> T>,
}

impl<T> Checked<T> {
    pub(crate) fn new(schemas: Arc<PayloadSchemas>, event: &'static str) -> Self {
        Self {
            schemas,
            event,
            decoded: PhantomData,
        }
    }
}

impl<A: HostAdapter, T: DeserializeOwned + Send + 'static> ReadPayload<A> for Checked<T> {
    type Payload = T;
    fn read(&self, socket: &Arc<Socket<A>>, value: &mut Value) -> Result<T, Vec<Violation>> {
        let Ok(TryData(json)) =
            TryData::<serde_json::Value>::from_message_parts(socket, value, &None);
        crate::validate::checked(&self.schemas, self.event, json)
    }
}

/// One event of one socket, wired to its handler.
pub(crate) struct Dispatch<S, A: HostAdapter, P, F> {
    pub(crate) wiring: Wiring<S, A>,
    pub(crate) event: &'static str,
    pub(crate) payload: P,
    /// The event's own rate, for this socket.
    pub(crate) budget: Option<Arc<Budget>>,
    pub(crate) metrics: Arc<EventMetrics>,
    pub(crate) handler: F,
}

/// Counts the messages of events no gateway declares, under one label.
pub(crate) struct Unknown(pub(crate) prometheus_client::metrics::counter::Counter);

impl<A: HostAdapter> MessageHandler<A, Dispatched> for Unknown {
    fn call(&self, _: Arc<Socket<A>>, _: Value, _: Option<i64>) {
        self.0.inc();
    }
}

/// [`MessageHandler`]'s marker type for [`Dispatch`].
pub(crate) struct Dispatched;

impl<S, A, P, F, Fut, R> MessageHandler<A, Dispatched> for Dispatch<S, A, P, F>
where
    S: Send + Sync + 'static,
    A: HostAdapter,
    P: ReadPayload<A>,
    F: FnOnce(Arc<S>, EventContext, P::Payload) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    fn call(&self, socket: Arc<Socket<A>>, mut value: Value, ack_id: Option<i64>) {
        let wiring = &self.wiring;
        let received = Instant::now();
        let gate = Arc::clone(wiring.session.gate());
        let reply = Reply::new(
            Arc::clone(&socket),
            ack_id,
            Arc::clone(&wiring.session),
            &self.metrics,
            received,
        )
        .holding(gate.enter());
        let Some(in_flight) = admit(&wiring.in_flight) else {
            tracing::debug!(socket = %socket.id, event = self.event, "shutting down: message refused");
            return reply.error(ShuttingDown::CODE, &ShuttingDown::new(self.event));
        };
        for budget in [&wiring.budget, &self.budget].into_iter().flatten() {
            if let Err(limited) = budget.spend() {
                crate::throttle::log!(info, "message over its rate limit refused", ns = socket.ns(), socket = %socket.id, event = self.event);
                reply.error(RateLimited::CODE, &RateLimited::new(self.event, &limited));
                if limited.disconnect {
                    disconnect_flooder(socket, &wiring.session, self.event);
                }
                return;
            }
        }
        let payload = match self.payload.read(&socket, &mut value) {
            Ok(payload) => payload,
            Err(violations) => return PayloadError::new(self.event, violations).answer(reply),
        };
        let turn = gate.try_turn();
        let cx = EventContext::new(
            A::peer(SocketRef::from(socket), wiring.io.clone()),
            Arc::clone(&wiring.delayed),
            Arc::clone(&wiring.session),
            self.event,
            received,
        );
        let (service, handler) = (Arc::clone(&wiring.service), self.handler.clone());
        // Boxed, the handler's state and its answer: the task then moves a
        // pointer, not the state (BENCHMARKS.md, "Where the instructions go").
        let handling: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            handler(service, cx, payload).await.send(reply);
        });
        tokio::spawn(async move {
            let _turn = match turn {
                Some(turn) => Some(turn),
                None => gate.turn().await,
            };
            answering_after_ack(handling).await;
            drop(in_flight);
        });
    }
}

/// Disconnects a socket that went on sending past its rate's
/// `disconnect_after`; its client is told `io server disconnect` and does
/// not reconnect on its own.
fn disconnect_flooder<A: HostAdapter>(
    socket: Arc<Socket<A>>,
    session: &Arc<Session>,
    event: &'static str,
) {
    crate::throttle::log!(warn, "a client kept sending past its rate limit: disconnected", socket = %socket.id, event);
    if socket.disconnect().is_err() {
        session.drop_slow_consumer("a disconnection");
    }
}
