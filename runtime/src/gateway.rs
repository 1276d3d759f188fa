//! A gateway: a namespace, a service, and the events wired to it.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use socketioxide::SocketIo;
use socketioxide::extract::{Extension, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;
use tokio_util::task::TaskTracker;

use crate::ack::IntoAck;
use crate::adapter::{HostAdapter, Io, RedisAdapter};
use crate::connection::Connection;
use crate::context::{EventContext, Role};
use crate::delayed::Delayed;
use crate::dispatch::{Checked, Decoded, Dispatch, NoPayload, ReadPayload, Unknown, Wiring};
use crate::metrics::{EventMetrics, Metrics};
use crate::rate::{Budget, Rate};
use crate::session::{Session, Sessions};
use crate::validate::PayloadSchemas;
use socketioxide::adapter::LocalAdapter;

type Register<S> = fn(&Events<'_, S>);

/// What a host gives each gateway it serves.
#[derive(Debug, Clone)]
pub(crate) struct Hosting {
    /// Every handler is tracked here; shutdown waits for them.
    pub(crate) in_flight: TaskTracker,
    pub(crate) sessions: Arc<Sessions>,
    /// The bound on each socket's pending delayed emissions.
    pub(crate) max_pending_delayed: usize,
    pub(crate) max_connections: Option<usize>,
    pub(crate) metrics: Arc<Metrics>,
}

/// Registers a gateway on a server. The future completes once the
/// namespace is ready to serve (on Redis, subscribed to its channels), or
/// says why it is not.
type Attach =
    dyn FnOnce(&Io, &Hosting) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send;
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
            rates: Rates::default(),
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

    /// Registers the gateway on `io`, under the host's `hosting`.
    pub(crate) async fn attach(self, io: &Io, hosting: &Hosting) -> Result<(), String> {
        (self.attach)(io, hosting).await
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
    rates: Rates,
}

/// The rate limits of a gateway's events.
#[derive(Debug, Clone, Default)]
struct Rates {
    /// For all events of the gateway together, per socket.
    all: Option<Rate>,
    /// Per event, per socket.
    by_event: Vec<(Cow<'static, str>, Rate)>,
}

impl Rates {
    fn of(&self, event: &str) -> Option<Rate> {
        (self.by_event.iter())
            .find(|(name, _)| name == event)
            .map(|(_, rate)| *rate)
    }
}

impl<S: Send + Sync + 'static> GatewayBuilder<S> {
    /// Limits how often each socket may send `event` (a spec's `rate:` on
    /// the event): past it, a message is answered `rate_limited` and not
    /// handled ([`crate::RateLimited`]).
    pub fn rate_limit(mut self, event: impl Into<Cow<'static, str>>, rate: Rate) -> Self {
        self.rates.by_event.push((event.into(), rate));
        self
    }

    /// Limits how often each socket may send any of the gateway's events,
    /// all counted together (a spec's gateway-level `rate:`).
    pub fn rate_limit_all(mut self, rate: Rate) -> Self {
        self.rates.all = Some(rate);
        self
    }

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
            attach: Box::new(move |io, hosting| match io {
                Io::Local(io) => {
                    registration.attach(io, hosting);
                    Box::pin(std::future::ready(Ok(())))
                }
                Io::Redis(io) => {
                    let subscribed = registration.attach(io, hosting);
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
    fn attach<A: Wire>(self, io: &SocketIo<A>, hosting: &Hosting) -> A::InitRes {
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
            rates,
        } = builder;
        let hosting = hosting.clone();
        let connected = {
            let gateway = gateway.clone();
            let service = Arc::clone(&service);
            move |socket: SocketRef<A>,
                  io: SocketIo<A>,
                  Extension(delayed): Extension<Arc<Delayed>>,
                  Extension(session): Extension<Arc<Session>>| async move {
                tracing::info!(gateway = %gateway, socket = %socket.id, ns = socket.ns(), "client connected");
                if let Some(hook) = on_connect {
                    hook(
                        service,
                        hook_context(socket, io, delayed, session, "connect"),
                    )
                    .await;
                }
            }
        };
        let rates = Arc::new(rates);
        // Handlers are registered in a connect middleware: it runs before
        // the CONNECT reply goes out, so an event the client emits in its
        // `connect` callback always finds its handler.
        let register_events =
            move |socket: SocketRef<A>,
                  io: SocketIo<A>,
                  TryData(auth): TryData<serde_json::Value>| async move {
                let (sessions, metrics) = (&hosting.sessions, &hosting.metrics);
                if let Some(max) = hosting.max_connections
                    && sessions.get(socket.id).is_none()
                    && sessions.len() >= max
                {
                    crate::throttle::log!(
                        warn,
                        "a new client refused: the host holds GATESMITH_MAX_CONNECTIONS sessions",
                        max
                    );
                    metrics.connection(socket.ns(), "full");
                    return Err(Refused("the server is full: try again later".to_owned()));
                }
                if let Some(authorize) = &authorize {
                    match authorize(Arc::clone(&service), auth.ok()).await {
                        Ok(Some(role)) => {
                            socket.extensions.insert(Role(role));
                        }
                        Ok(None) => {}
                        Err(message) => {
                            crate::throttle::log!(info, "connection refused", gateway = %gateway, socket = %socket.id, why = %message);
                            metrics.connection(socket.ns(), "unauthorized");
                            return Err(Refused(message));
                        }
                    }
                }
                let session = sessions.join(socket.id);
                metrics.connection(socket.ns(), "accepted");
                metrics.socket(socket.ns(), 1);
                // A client that opened with a WebSocket: its connection is
                // the one its handshake came on.
                if socket.transport_type() == socketioxide::TransportType::Websocket
                    && let Some(connection) = socket.req_parts().extensions.get::<Arc<Connection>>()
                {
                    connection.carries(&session);
                }
                let delayed =
                    Delayed::new(hosting.max_pending_delayed, metrics.delayed_pending.clone());
                socket.extensions.insert(Arc::clone(&delayed));
                socket.extensions.insert(Arc::clone(&session));
                let wiring = Wiring {
                    service: Arc::clone(&service),
                    io: io.clone(),
                    delayed: Arc::clone(&delayed),
                    in_flight: hosting.in_flight.clone(),
                    session: Arc::clone(&session),
                    budget: rates.all.map(Budget::new),
                };
                register(&Events {
                    wired: A::wired(&socket, wiring),
                    rates: &rates,
                    schemas: &schemas,
                    gateway: &gateway,
                    metrics,
                });
                socket.on_fallback(Unknown(metrics.unknown_event(&gateway)));
                let sessions = Arc::clone(sessions);
                let metrics = Arc::clone(metrics);
                socket.on_disconnect(
                    move |socket: SocketRef<A>, io: SocketIo<A>, reason: DisconnectReason| async move {
                        delayed.cancel_all();
                        sessions.leave(socket.id);
                        metrics.socket(socket.ns(), -1);
                        tracing::info!(gateway = %gateway, socket = %socket.id, %reason, "client disconnected");
                        if let Some(hook) = on_disconnect {
                            let cx = hook_context(socket, io, delayed, session, "disconnect");
                            hook(service, cx).await;
                        }
                    },
                );
                Ok::<(), Refused>(())
            };
        io.ns(namespace, connected.with(register_events))
    }
}

/// The context of a connect or disconnect hook, `event` naming which.
fn hook_context<A: HostAdapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    delayed: Arc<Delayed>,
    session: Arc<Session>,
    event: &'static str,
) -> EventContext {
    let now = tokio::time::Instant::now();
    EventContext::new(A::peer(socket, io), delayed, session, event, now)
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
    wired: Wired<'a, S>,
    rates: &'a Rates,
    schemas: &'a Arc<PayloadSchemas>,
    gateway: &'a str,
    metrics: &'a Metrics,
}

/// A connected socket and what its handlers share, on either adapter.
enum Wired<'a, S> {
    Local(&'a SocketRef<LocalAdapter>, Wiring<S, LocalAdapter>),
    Redis(&'a SocketRef<RedisAdapter>, Wiring<S, RedisAdapter>),
}

/// An adapter whose sockets [`Events`] can wire.
trait Wire: HostAdapter {
    fn wired<S>(socket: &SocketRef<Self>, wiring: Wiring<S, Self>) -> Wired<'_, S>;
}

impl Wire for LocalAdapter {
    fn wired<S>(socket: &SocketRef<Self>, wiring: Wiring<S, Self>) -> Wired<'_, S> {
        Wired::Local(socket, wiring)
    }
}

impl Wire for RedisAdapter {
    fn wired<S>(socket: &SocketRef<Self>, wiring: Wiring<S, Self>) -> Wired<'_, S> {
        Wired::Redis(socket, wiring)
    }
}

impl<S: Send + Sync + 'static> Events<'_, S> {
    /// Handles `event`, which carries no payload: whatever the client sent
    /// with it is ignored. The handler's result is the ack ([`IntoAck`]).
    pub fn on<F, Fut, R>(&self, event: &'static str, handler: F)
    where
        F: FnOnce(Arc<S>, EventContext) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoAck,
    {
        self.wire(event, NoPayload, move |service, cx, ()| {
            handler(service, cx)
        });
    }

    /// Handles `event`, whose payload must fit the event's schema (when the
    /// gateway has one, see [`GatewayBuilder::schema`]) and decode as `T`.
    /// A payload that does not is answered with a [`crate::PayloadError`]
    /// and never reaches the handler.
    pub fn on_payload<T, F, Fut, R>(&self, event: &'static str, handler: F)
    where
        T: DeserializeOwned + Send + Sync + 'static,
        F: FnOnce(Arc<S>, EventContext, T) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoAck,
    {
        if self.schemas.get(event).is_some() {
            self.wire(
                event,
                Checked::<T>::new(Arc::clone(self.schemas), event),
                handler,
            );
        } else {
            self.wire(event, Decoded::<T>::new(), handler);
        }
    }

    /// Registers `event` on the socket: its messages go through
    /// [`Dispatch`], their payloads read by `payload`.
    fn wire<P, F, Fut, R>(&self, event: &'static str, payload: P, handler: F)
    where
        P: ReadPayload<LocalAdapter> + ReadPayload<RedisAdapter>,
        P: ReadPayload<LocalAdapter, Payload = <P as ReadPayload<RedisAdapter>>::Payload>,
        F: FnOnce(Arc<S>, EventContext, <P as ReadPayload<LocalAdapter>>::Payload) -> Fut
            + Clone
            + Send
            + Sync
            + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoAck,
    {
        let budget = self.rates.of(event).map(Budget::new);
        let metrics = self.metrics.event(self.gateway, event);
        match &self.wired {
            Wired::Local(socket, wiring) => {
                register_on(socket, wiring, event, payload, budget, metrics, handler)
            }
            Wired::Redis(socket, wiring) => {
                register_on(socket, wiring, event, payload, budget, metrics, handler)
            }
        }
    }
}

/// [`Events::wire`] on one adapter.
fn register_on<S, A, P, F, Fut, R>(
    socket: &SocketRef<A>,
    wiring: &Wiring<S, A>,
    event: &'static str,
    payload: P,
    budget: Option<Arc<Budget>>,
    metrics: Arc<EventMetrics>,
    handler: F,
) where
    S: Send + Sync + 'static,
    A: HostAdapter,
    P: ReadPayload<A>,
    F: FnOnce(Arc<S>, EventContext, P::Payload) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoAck,
{
    let dispatch = Dispatch {
        wiring: wiring.clone(),
        event,
        payload,
        budget,
        metrics,
        handler,
    };
    socket.on(event, dispatch);
}
