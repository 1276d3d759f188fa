//! A gateway: a namespace, a service, and the events wired to it.

use std::borrow::Cow;

use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use socketioxide::ParserError;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;

use crate::ack::{AckRequested, IntoAck, PayloadError};
use crate::adapter::{HostAdapter, Io, Peer, with_peer};
use crate::context::{EventContext, Role};
use crate::delayed::Delayed;
use crate::host::{admit, refuse};
use crate::validate::{PayloadSchemas, Violation};
use tokio_util::task::TaskTracker;

type Register<S> = fn(&Events<'_, S>);
/// Registers a gateway on a server, its handlers tracked by the tracker.
/// The `usize` is the bound on each socket's pending delayed emissions.
/// The future completes once the namespace is ready to serve (on Redis,
/// subscribed to its channels), or says why it is not.
type Attach = dyn FnOnce(&Io, &TaskTracker, usize) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
    + Send;
type Hook<S> =
    Arc<dyn Fn(Arc<S>, EventContext) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;
/// The connect guard: the handshake's `auth` in, the socket's role (or
/// none) out, or why the connection is refused.
type Authorize<S> = Arc<
    dyn Fn(Arc<S>, Option<serde_json::Value>) -> Pin<Box<dyn Future<Output = Verdict> + Send>>
        + Send
        + Sync,
>;

/// What a connect guard decides: `Ok(role)` lets the client in (with that
/// role, if any, for [`EventContext::require_role`]); `Err(message)`
/// refuses it, and the client's `connect_error` carries `message`.
pub type Verdict = Result<Option<String>, String>;

/// Why a connection was refused: shown to the client as `connect_error`.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// One gateway: its name (for logs), its namespace, and how to wire a
/// connected socket's events to its service. Built with [`Gateway::builder`].
pub struct Gateway {
    name: Cow<'static, str>,
    namespace: Cow<'static, str>,
    attach: Box<Attach>,
    /// Why the gateway cannot be served (its payload schema does not
    /// compile): the host refuses to start rather than serve unchecked.
    problem: Option<String>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway on `namespace` whose events `register` wires to `service`.
    pub fn new<S: Send + Sync + 'static>(
        name: impl Into<Cow<'static, str>>,
        namespace: impl Into<Cow<'static, str>>,
        service: S,
        register: Register<S>,
    ) -> Self {
        Self::builder(name, namespace, service)
            .events(register)
            .build()
    }

    /// Starts a gateway on `namespace` served by `service`.
    pub fn builder<S: Send + Sync + 'static>(
        name: impl Into<Cow<'static, str>>,
        namespace: impl Into<Cow<'static, str>>,
        service: S,
    ) -> GatewayBuilder<S> {
        GatewayBuilder {
            name: name.into(),
            namespace: namespace.into(),
            service: Arc::new(service),
            register: |_| {},
            on_connect: None,
            on_disconnect: None,
            authorize: None,
            schema: None,
        }
    }

    /// The gateway's name, as in its spec.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace the gateway serves.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Registers the gateway on `io`; every handler it runs is tracked by
    /// `in_flight`, which shutdown waits for before disconnecting clients.
    pub(crate) async fn attach(
        self,
        io: &Io,
        in_flight: &TaskTracker,
        max_pending_delayed: usize,
    ) -> Result<(), String> {
        (self.attach)(io, in_flight, max_pending_delayed).await
    }

    /// Why the gateway cannot be served, if it cannot.
    pub(crate) fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

/// A gateway under construction.
pub struct GatewayBuilder<S> {
    name: Cow<'static, str>,
    namespace: Cow<'static, str>,
    service: Arc<S>,
    register: Register<S>,
    on_connect: Option<Hook<S>>,
    on_disconnect: Option<Hook<S>>,
    authorize: Option<Authorize<S>>,
    schema: Option<&'static str>,
}

impl<S: Send + Sync + 'static> GatewayBuilder<S> {
    /// Checks every payload against `document`, the JSON Schema that
    /// `gatesmith generate` writes beside the gateway (`<module>.schema.json`,
    /// passed with `include_str!`): a payload that does not fit is answered
    /// with a [`PayloadError`] listing every violation, and never reaches
    /// the service. Events the document does not list are only decoded.
    pub fn schema(mut self, document: &'static str) -> Self {
        self.schema = Some(document);
        self
    }

    /// Wires each connected socket's events to the service with `register`.
    pub fn events(mut self, register: Register<S>) -> Self {
        self.register = register;
        self
    }

    /// Guards the connection: `guard` gets the handshake's `auth` payload
    /// (`io(url, { auth: { token } })`) before the client is connected,
    /// and decides ([`Verdict`]). A refused client gets `connect_error`
    /// with the guard's message and never reaches a handler.
    pub fn authorize<F, Fut>(mut self, guard: F) -> Self
    where
        F: Fn(Arc<S>, Option<serde_json::Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Verdict> + Send + 'static,
    {
        self.authorize = Some(Arc::new(move |service, auth| {
            Box::pin(guard(service, auth))
        }));
        self
    }

    /// Runs `hook` when a client has connected (NestJS's `handleConnection`).
    pub fn on_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Arc<S>, EventContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_connect = Some(boxed(hook));
        self
    }

    /// Runs `hook` when a client has disconnected (NestJS's `handleDisconnect`).
    /// The socket's delayed emissions are cancelled by then, so `emit_after`
    /// from the hook sends nothing.
    pub fn on_disconnect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Arc<S>, EventContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_disconnect = Some(boxed(hook));
        self
    }

    /// The finished gateway, for [`crate::Host::gateway`].
    pub fn build(self) -> Gateway {
        let (schemas, problem) = match self.schema.map(PayloadSchemas::compile) {
            None => (PayloadSchemas::default(), None),
            Some(Ok(schemas)) => (schemas, None),
            Some(Err(problem)) => (PayloadSchemas::default(), Some(problem)),
        };
        let (name, namespace) = (self.name.clone(), self.namespace.clone());
        let registration = Registration {
            builder: self,
            schemas: Arc::new(schemas),
        };
        Gateway {
            name,
            namespace,
            attach: Box::new(move |io, in_flight, max_pending_delayed| match io {
                Io::Local(io) => {
                    registration.attach(io, in_flight, max_pending_delayed);
                    Box::pin(std::future::ready(Ok(())))
                }
                Io::Redis(io) => {
                    let subscribed = registration.attach(io, in_flight, max_pending_delayed);
                    Box::pin(async move { subscribed.await.map_err(|err| err.to_string()) })
                }
            }),
            problem,
        }
    }
}

/// A built gateway, ready to be registered on a server of either adapter.
struct Registration<S> {
    builder: GatewayBuilder<S>,
    schemas: Arc<PayloadSchemas>,
}

impl<S: Send + Sync + 'static> Registration<S> {
    fn attach<A: HostAdapter>(
        self,
        io: &SocketIo<A>,
        in_flight: &TaskTracker,
        max_pending_delayed: usize,
    ) -> A::InitRes {
        let Self { builder, schemas } = self;
        let GatewayBuilder {
            name: gateway,
            namespace,
            service,
            register,
            on_connect,
            on_disconnect,
            authorize,
            schema: _,
        } = builder;
        let in_flight = in_flight.clone();
        let connected = {
            let gateway = gateway.clone();
            let service = Arc::clone(&service);
            move |socket: SocketRef<A>,
                  io: SocketIo<A>,
                  Extension(delayed): Extension<Arc<Delayed>>| async move {
                tracing::info!(gateway = %gateway, socket = %socket.id, ns = socket.ns(), "client connected");
                if let Some(hook) = on_connect {
                    let cx = EventContext::new(A::peer(socket, io), delayed, "connect", false);
                    hook(service, cx).await;
                }
            }
        };
        // Handlers are registered in a connect middleware: it runs before
        // the CONNECT reply goes out, so an event the client emits in its
        // `connect` callback always finds its handler.
        let register_events =
            move |socket: SocketRef<A>,
                  io: SocketIo<A>,
                  TryData(auth): TryData<serde_json::Value>| async move {
                if let Some(authorize) = &authorize {
                    match authorize(Arc::clone(&service), auth.ok()).await {
                        Ok(Some(role)) => {
                            socket.extensions.insert(Role(role));
                        }
                        Ok(None) => {}
                        Err(message) => {
                            tracing::info!(gateway = %gateway, socket = %socket.id, %message, "connection refused");
                            return Err(Refused(message));
                        }
                    }
                }
                let delayed = Delayed::new(max_pending_delayed);
                socket.extensions.insert(Arc::clone(&delayed));
                register(&Events {
                    peer: &A::peer(socket.clone(), io),
                    service: &service,
                    delayed: &delayed,
                    in_flight: &in_flight,
                    schemas: &schemas,
                });
                socket.on_disconnect(
                move |socket: SocketRef<A>, io: SocketIo<A>, reason: DisconnectReason| async move {
                    delayed.cancel_all();
                    tracing::info!(gateway = %gateway, socket = %socket.id, %reason, "client disconnected");
                    if let Some(hook) = on_disconnect {
                        let cx =
                            EventContext::new(A::peer(socket, io), delayed, "disconnect", false);
                        hook(service, cx).await;
                    }
                },
            );
                Ok::<(), Refused>(())
            };
        io.ns(namespace, connected.with(register_events))
    }
}

fn boxed<S, F, Fut>(hook: F) -> Hook<S>
where
    F: Fn(Arc<S>, EventContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |service, cx| Box::pin(hook(service, cx)))
}

impl<S: Send + Sync + 'static> From<GatewayBuilder<S>> for Gateway {
    fn from(builder: GatewayBuilder<S>) -> Self {
        builder.build()
    }
}

/// Wires the events of one connected socket to the gateway's service.
pub struct Events<'a, S> {
    peer: &'a Peer,
    service: &'a Arc<S>,
    delayed: &'a Arc<Delayed>,
    in_flight: &'a TaskTracker,
    schemas: &'a Arc<PayloadSchemas>,
}

/// What each handler of one socket owns: cloned into it once, moved into
/// every call.
struct Wiring<S, A: Adapter> {
    service: Arc<S>,
    io: SocketIo<A>,
    delayed: Arc<Delayed>,
    in_flight: TaskTracker,
}

// By hand: a derive would ask `S: Clone`, and only the `Arc` is cloned.
impl<S, A: Adapter> Clone for Wiring<S, A> {
    fn clone(&self) -> Self {
        Self {
            service: Arc::clone(&self.service),
            io: self.io.clone(),
            delayed: Arc::clone(&self.delayed),
            in_flight: self.in_flight.clone(),
        }
    }
}

impl<S, A: HostAdapter> Wiring<S, A> {
    /// The service and the context of one message from `socket`.
    fn call(
        self,
        socket: SocketRef<A>,
        event: &'static str,
        ack_requested: bool,
    ) -> (Arc<S>, EventContext) {
        let cx = EventContext::new(A::peer(socket, self.io), self.delayed, event, ack_requested);
        (self.service, cx)
    }
}

impl<S: Send + Sync + 'static> Events<'_, S> {
    fn wiring<A: Adapter>(&self, io: &SocketIo<A>) -> Wiring<S, A> {
        Wiring {
            service: Arc::clone(self.service),
            io: io.clone(),
            delayed: Arc::clone(self.delayed),
            in_flight: self.in_flight.clone(),
        }
    }

    /// Handles `event`, which carries no payload: whatever the client sent
    /// with it is ignored. The handler's result is the ack ([`IntoAck`]).
    pub fn on<F, Fut, R>(&self, event: &'static str, handler: F)
    where
        F: FnOnce(Arc<S>, EventContext) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoAck,
    {
        with_peer!(self.peer, |socket, io| {
            on_without_payload(socket, self.wiring(io), event, handler)
        });
    }

    /// Handles `event`, whose payload must fit the event's schema (when the
    /// gateway has one, see [`GatewayBuilder::schema`]) and decode as `T`.
    /// A payload that does not is answered with a [`PayloadError`] and never
    /// reaches the handler.
    pub fn on_payload<T, F, Fut, R>(&self, event: &'static str, handler: F)
    where
        T: DeserializeOwned + Send + Sync + 'static,
        F: FnOnce(Arc<S>, EventContext, T) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoAck,
    {
        let schemas = self
            .schemas
            .get(event)
            .is_some()
            .then(|| Arc::clone(self.schemas));
        with_peer!(self.peer, |socket, io| match schemas {
            None => on_decoded(socket, self.wiring(io), event, handler),
            Some(schemas) => on_checked(socket, self.wiring(io), schemas, event, handler),
        });
    }
}

/// [`Events::on`] on one adapter.
fn on_without_payload<S, A, F, Fut, R>(
    socket: &SocketRef<A>,
    wiring: Wiring<S, A>,
    event: &'static str,
    handler: F,
) where
    S: Send + Sync + 'static,
    A: HostAdapter,
    F: FnOnce(Arc<S>, EventContext) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    socket.on(
        event,
        move |socket: SocketRef<A>,
              ack: AckSender<A>,
              AckRequested(ack_requested): AckRequested| async move {
            // Held until the ack is sent: shutdown waits for it.
            let Some(_in_flight) = admit(&wiring.in_flight) else {
                return refuse(&socket, event, ack, ack_requested);
            };
            let (service, cx) = wiring.call(socket, event, ack_requested);
            // Boxed: socketioxide spawns this future, and copying the
            // handler's whole state machine into the task cost more than
            // allocating it (BENCHMARKS.md, "Where the instructions go").
            Box::pin(handler(service, cx)).await.send(ack);
        },
    );
}

/// [`Events::on_payload`] on one adapter, for an event with no schema:
/// the payload is only decoded.
fn on_decoded<S, A, T, F, Fut, R>(
    socket: &SocketRef<A>,
    wiring: Wiring<S, A>,
    event: &'static str,
    handler: F,
) where
    S: Send + Sync + 'static,
    A: HostAdapter,
    T: DeserializeOwned + Send + Sync + 'static,
    F: FnOnce(Arc<S>, EventContext, T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    socket.on(
        event,
        move |socket: SocketRef<A>,
              TryData(payload): TryData<T>,
              ack: AckSender<A>,
              AckRequested(ack_requested): AckRequested| async move {
            // Held until the ack is sent: shutdown waits for it.
            let Some(_in_flight) = admit(&wiring.in_flight) else {
                return refuse(&socket, event, ack, ack_requested);
            };
            match payload {
                Ok(payload) => {
                    let (service, cx) = wiring.call(socket, event, ack_requested);
                    Box::pin(handler(service, cx, payload)).await.send(ack);
                }
                Err(err) => PayloadError::new(event, vec![unreadable(&err, "type")]).answer(
                    &socket,
                    ack,
                    ack_requested,
                ),
            }
        },
    );
}

/// [`Events::on_payload`] on one adapter, for an event with a schema.
fn on_checked<S, A, T, F, Fut, R>(
    socket: &SocketRef<A>,
    wiring: Wiring<S, A>,
    schemas: Arc<PayloadSchemas>,
    event: &'static str,
    handler: F,
) where
    S: Send + Sync + 'static,
    A: HostAdapter,
    T: DeserializeOwned + Send + Sync + 'static,
    F: FnOnce(Arc<S>, EventContext, T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    socket.on(
        event,
        move |socket: SocketRef<A>,
              TryData(payload): TryData<serde_json::Value>,
              ack: AckSender<A>,
              AckRequested(ack_requested): AckRequested| async move {
            let Some(_in_flight) = admit(&wiring.in_flight) else {
                return refuse(&socket, event, ack, ack_requested);
            };
            match checked::<T>(&schemas, event, payload) {
                Ok(payload) => {
                    let (service, cx) = wiring.call(socket, event, ack_requested);
                    Box::pin(handler(service, cx, payload)).await.send(ack);
                }
                Err(violations) => {
                    PayloadError::new(event, violations).answer(&socket, ack, ack_requested)
                }
            }
        },
    );
}

/// The payload, read as JSON, checked against the event's schema, then
/// decoded; or every reason it could not be.
fn checked<T: DeserializeOwned + 'static>(
    schemas: &PayloadSchemas,
    event: &str,
    payload: Result<serde_json::Value, ParserError>,
) -> Result<T, Vec<Violation>> {
    // Read as any JSON, it fails only when it is not JSON.
    let payload = payload.map_err(|err| vec![unreadable(&err, "json")])?;
    let violations = schemas.check(event, &payload);
    if !violations.is_empty() {
        return Err(violations);
    }
    // The schema bounds every number by its Rust type, so this fails only
    // if the schema and the types disagree.
    decode(payload).map_err(|err| vec![Violation::new("$", "type", err.to_string())])
}

/// `payload` as a `T`. A payload typed as any JSON (`T` is `Value`) is
/// already one: decoding it again would copy it whole (1,100 instructions
/// for the benchmark's echo, bench/callgrind).
fn decode<T: DeserializeOwned + 'static>(
    payload: serde_json::Value,
) -> Result<T, serde_json::Error> {
    let mut payload = Some(payload);
    if let Some(same) = (&mut payload as &mut dyn std::any::Any).downcast_mut::<Option<T>>()
        && let Some(value) = same.take()
    {
        return Ok(value);
    }
    serde_json::from_value(payload.unwrap_or_default())
}

/// The violation of a payload that could not be read: none was sent, or
/// else it broke `rule` (`json`: it is not JSON, as with a lone UTF-16
/// surrogate; `type`: it does not decode).
fn unreadable(err: &ParserError, rule: &str) -> Violation {
    let text = describe(err);
    if text == MISSING {
        Violation::new("$", "required", MISSING)
    } else {
        Violation::new("$", rule, text)
    }
}

const MISSING: &str = "a payload is required";

/// Says what was wrong with a payload in the client's terms: the position
/// serde_json reports is inside socket.io's packet, which the client never
/// wrote, so it is left out.
fn describe(err: &ParserError) -> String {
    let text = err.to_string();
    if text.contains("first element not found") {
        return MISSING.to_owned();
    }
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_is_decoded_to_its_type_or_kept_as_json() {
        let payload = serde_json::json!({ "msg": "hi", "n": [1, 2] });
        let kept: serde_json::Value = decode(payload.clone()).unwrap();
        assert_eq!(kept, payload);
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Message {
            msg: String,
        }
        let typed: Message = decode(payload).unwrap();
        assert_eq!(typed.msg, "hi");
        assert!(decode::<u32>(serde_json::json!("seven")).is_err());
    }
}
