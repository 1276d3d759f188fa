//! A gateway: a namespace, a service, and the events wired to it.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use socketioxide::ParserError;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;

use crate::ack::{IntoAck, PayloadError};
use crate::context::EventContext;
use crate::delayed::Delayed;

type Register<S> = fn(&Events<'_, S>);

/// One gateway: its name (for logs), its namespace, and how to wire a
/// connected socket's events to its service.
pub struct Gateway {
    name: Cow<'static, str>,
    namespace: Cow<'static, str>,
    attach: Box<dyn FnOnce(&SocketIo) + Send>,
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
    /// A gateway on `namespace` whose events `register` wires to `service`,
    /// once per connected socket.
    pub fn new<S>(
        name: impl Into<Cow<'static, str>>,
        namespace: impl Into<Cow<'static, str>>,
        service: S,
        register: Register<S>,
    ) -> Self
    where
        S: Send + Sync + 'static,
    {
        let name = name.into();
        let namespace = namespace.into();
        let service = Arc::new(service);
        let gateway = name.clone();
        let attach = {
            let namespace = namespace.clone();
            move |io: &SocketIo| {
                let on_connect = {
                    let gateway = gateway.clone();
                    move |socket: SocketRef| async move {
                        tracing::info!(gateway = %gateway, socket = %socket.id, ns = socket.ns(), "client connected");
                    }
                };
                // Handlers are registered in a connect middleware: it runs
                // before the CONNECT reply goes out, so an event the client
                // emits in its `connect` callback always finds its handler.
                let register_events = move |socket: SocketRef, io: SocketIo| {
                    let service = Arc::clone(&service);
                    let gateway = gateway.clone();
                    async move {
                        let delayed = Delayed::new();
                        register(&Events {
                            socket: &socket,
                            io: &io,
                            service: &service,
                            delayed: &delayed,
                        });
                        socket.on_disconnect(move |socket: SocketRef, reason: DisconnectReason| async move {
                            delayed.cancel_all();
                            tracing::info!(gateway = %gateway, socket = %socket.id, %reason, "client disconnected");
                        });
                        Ok::<(), Infallible>(())
                    }
                };
                io.ns(namespace, on_connect.with(register_events));
            }
        };
        Self {
            name,
            namespace,
            attach: Box::new(attach),
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

    pub(crate) fn attach(self, io: &SocketIo) {
        (self.attach)(io);
    }
}

/// Wires the events of one connected socket to the gateway's service.
pub struct Events<'a, S> {
    socket: &'a SocketRef,
    io: &'a SocketIo,
    service: &'a Arc<S>,
    delayed: &'a Arc<Delayed>,
}

impl<S: Send + Sync + 'static> Events<'_, S> {
    /// Handles `event`, which carries no payload: whatever the client sent
    /// with it is ignored. The handler's result is the ack ([`IntoAck`]).
    pub fn on<F, Fut, A>(&self, event: &'static str, handler: F)
    where
        F: FnOnce(Arc<S>, EventContext) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = A> + Send + 'static,
        A: IntoAck,
    {
        let service = Arc::clone(self.service);
        let delayed = Arc::clone(self.delayed);
        let io = self.io.clone();
        self.socket
            .on(event, move |socket: SocketRef, ack: AckSender| async move {
                let cx = EventContext::new(socket, io, delayed);
                handler(service, cx).await.send(ack);
            });
    }

    /// Handles `event`, whose payload must decode as `T`. A payload that
    /// does not is answered with a [`PayloadError`] and never reaches the
    /// handler.
    pub fn on_payload<T, F, Fut, A>(&self, event: &'static str, handler: F)
    where
        T: DeserializeOwned + Send + Sync + 'static,
        F: FnOnce(Arc<S>, EventContext, T) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = A> + Send + 'static,
        A: IntoAck,
    {
        let service = Arc::clone(self.service);
        let delayed = Arc::clone(self.delayed);
        let io = self.io.clone();
        self.socket.on(
            event,
            move |socket: SocketRef, TryData(payload): TryData<T>, ack: AckSender| async move {
                match payload {
                    Ok(payload) => {
                        let cx = EventContext::new(socket, io, delayed);
                        handler(service, cx, payload).await.send(ack);
                    }
                    Err(err) => {
                        PayloadError::new(event, describe(&err)).answer(&socket, ack);
                    }
                }
            },
        );
    }
}

/// Says what was wrong with a payload in the client's terms: the position
/// serde_json reports is inside socket.io's packet, which the client never
/// wrote, so it is left out.
fn describe(err: &ParserError) -> String {
    let text = err.to_string();
    if text.contains("first element not found") {
        return "a payload is required".to_owned();
    }
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
