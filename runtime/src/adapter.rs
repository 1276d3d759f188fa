//! The two adapters a host runs on: in memory (one process), or Redis
//! (several processes sharing broadcasts and rooms). socketioxide types every
//! socket by its adapter; the runtime's own types ([`EventContext`],
//! [`Gateway`]) are not, so generated code and services are the same on
//! both. Handlers are registered generically; what they keep is a [`Peer`],
//! one enum whose methods dispatch to the adapter it holds.
//!
//! [`EventContext`]: crate::EventContext
//! [`Gateway`]: crate::Gateway

use socketioxide::SocketIo;
use socketioxide::adapter::{Adapter, Emitter, LocalAdapter};
use socketioxide::extract::SocketRef;
use socketioxide_core::adapter::DefinedAdapter;
use socketioxide_redis::FredAdapter;

/// The adapter of a host given a Redis URL ([`crate::Host::redis`]).
pub type RedisAdapter = FredAdapter<Emitter>;

/// An adapter the runtime can host gateways on.
pub(crate) trait HostAdapter: Adapter + DefinedAdapter {
    /// The socket and its server, adapter-erased.
    fn peer(socket: SocketRef<Self>, io: SocketIo<Self>) -> Peer;
}

impl HostAdapter for LocalAdapter {
    fn peer(socket: SocketRef<Self>, io: SocketIo<Self>) -> Peer {
        Peer::Local(socket, io)
    }
}

impl HostAdapter for RedisAdapter {
    fn peer(socket: SocketRef<Self>, io: SocketIo<Self>) -> Peer {
        Peer::Redis(socket, io)
    }
}

/// A connected socket and the server it is on.
#[derive(Debug, Clone)]
pub(crate) enum Peer {
    Local(SocketRef<LocalAdapter>, SocketIo<LocalAdapter>),
    Redis(SocketRef<RedisAdapter>, SocketIo<RedisAdapter>),
}

/// A server, on one adapter or the other.
#[derive(Debug, Clone)]
pub(crate) enum Io {
    Local(SocketIo<LocalAdapter>),
    Redis(SocketIo<RedisAdapter>),
}

/// Runs `$body` with `$socket` and `$io` bound to the peer's socket and
/// server, whichever adapter they are on: the body is compiled once per
/// adapter, so it may call functions generic over [`Adapter`].
macro_rules! with_peer {
    ($peer:expr, |$socket:pat_param, $io:pat_param| $body:expr) => {
        match $peer {
            $crate::adapter::Peer::Local($socket, $io) => $body,
            $crate::adapter::Peer::Redis($socket, $io) => $body,
        }
    };
}

/// [`with_peer!`] for an [`Io`].
macro_rules! with_io {
    ($io:expr, |$bound:pat_param| $body:expr) => {
        match $io {
            $crate::adapter::Io::Local($bound) => $body,
            $crate::adapter::Io::Redis($bound) => $body,
        }
    };
}

pub(crate) use {with_io, with_peer};

/// The sender's socket as socketioxide types it, for what
/// [`EventContext`](crate::EventContext) has no method for (its handshake
/// headers, its extensions, disconnecting it).
#[derive(Debug, Clone, Copy)]
pub enum SenderSocket<'a> {
    /// A socket of a host without Redis.
    Local(&'a SocketRef<LocalAdapter>),
    /// A socket of a host sharing broadcasts through Redis.
    Redis(&'a SocketRef<RedisAdapter>),
}

impl Peer {
    pub(crate) fn socket(&self) -> SenderSocket<'_> {
        match self {
            Peer::Local(socket, _) => SenderSocket::Local(socket),
            Peer::Redis(socket, _) => SenderSocket::Redis(socket),
        }
    }
}
