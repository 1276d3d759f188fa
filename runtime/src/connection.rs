//! Every TCP connection the host accepts, wrapped so that the host, not the
//! peer, decides how long it lives:
//!
//! - output that makes no progress for the write timeout ends the
//!   connection: a peer that stopped reading (a phone in a tunnel) is
//!   released, its descriptor and kernel buffers freed, and the socket
//!   disconnected (leaving its rooms) even while engineioxide's writer is
//!   blocked on it. A peer that reads, however slowly, keeps its
//!   connection: one that cannot keep up fills its outgoing queue, which
//!   [`crate::delivery`] deals with;
//! - a WebSocket stops being read while its session has as many messages in
//!   flight as the host allows ([`crate::session::Gate`]), so a client
//!   that floods waits on TCP instead of filling the server's memory.

use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use socketioxide::socket::Sid;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use crate::session::{Link, Session, Sessions};

/// What the host knows of one accepted connection; every request it
/// carries has it in its extensions.
#[derive(Debug)]
pub(crate) struct Connection {
    sessions: Arc<Sessions>,
    /// The session whose WebSocket this connection carries, once known.
    session: OnceLock<Arc<Session>>,
    /// For a WebSocket upgraded from long-polling: the session its request
    /// named, looked up on the first read after its namespaces joined.
    upgrade_of: OnceLock<Sid>,
    /// What the session may do to this connection and know of it.
    link: Arc<Link>,
}

impl Connection {
    pub(crate) fn new(sessions: Arc<Sessions>) -> Arc<Self> {
        Arc::new(Self {
            sessions,
            session: OnceLock::new(),
            upgrade_of: OnceLock::new(),
            link: Arc::default(),
        })
    }

    /// Notes that this connection carries `session`'s WebSocket.
    pub(crate) fn carries(&self, session: &Arc<Session>) {
        session.runs_on(&self.link);
        let _ = self.session.set(Arc::clone(session));
    }

    /// Notes that this connection upgrades the long-polling session `sid`.
    pub(crate) fn upgrades(&self, sid: Sid) {
        let _ = self.upgrade_of.set(sid);
    }

    /// The session this connection carries, if it carries one.
    fn session(&self) -> Option<&Arc<Session>> {
        if let Some(session) = self.session.get() {
            return Some(session);
        }
        let session = self.sessions.get(*self.upgrade_of.get()?)?;
        self.carries(&session);
        self.session.get()
    }
}

/// An accepted TCP stream under the host's rules.
pub(crate) struct GuardedIo {
    tcp: TcpStream,
    connection: Arc<Connection>,
    write_timeout: Duration,
    /// The deadline of a write waiting for the peer, since its last progress.
    backlog: Option<Pin<Box<Sleep>>>,
    /// Set once the stream is closed with a reset.
    reset: bool,
}

impl GuardedIo {
    pub(crate) fn new(
        tcp: TcpStream,
        connection: Arc<Connection>,
        write_timeout: Duration,
    ) -> Self {
        Self {
            tcp,
            connection,
            write_timeout,
            backlog: None,
            reset: false,
        }
    }

    /// The error every read and write of an ended connection gets, after
    /// making its close a reset: the peer is not reading, so the kernel
    /// would otherwise keep its unsent data for minutes.
    fn ended(&mut self) -> io::Error {
        if !self.reset {
            self.reset = true;
            let _ = socket2::SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
        }
        io::Error::new(
            io::ErrorKind::TimedOut,
            "the host ended the connection: its output went unread",
        )
    }

    /// A write waits for the peer: starts the write timeout if it is not
    /// running, and ends the connection once it has run out.
    fn wait_for_peer(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        self.connection.link.writer.register(cx.waker());
        let timeout = self.write_timeout;
        let connection = &self.connection;
        let deadline = self.backlog.get_or_insert_with(|| {
            connection
                .link
                .backlog_since
                .store(crate::throttle::millis(), Ordering::Release);
            Box::pin(tokio::time::sleep(timeout))
        });
        if deadline.as_mut().poll(cx).is_ready() {
            crate::throttle::log!(
                warn,
                "a client read nothing of its output for the write timeout: disconnected (slow consumer)",
                write_timeout = ?timeout,
                session = ?self.connection.session.get().map(|session| session.id)
            );
            self.connection.sessions.slow_consumers.inc();
            self.connection.link.end();
            return Poll::Ready(self.ended());
        }
        Poll::Pending
    }

    /// The peer took some output: the write timeout starts again from the
    /// next write that waits.
    fn progressed(&mut self) {
        if self.backlog.take().is_some() {
            self.connection
                .link
                .backlog_since
                .store(0, Ordering::Release);
        }
    }
}

impl GuardedIo {
    /// `write` under the host's rules: refused once the connection ended,
    /// progress noted, a wait timed.
    fn write_with(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if self.connection.link.is_ended() {
            return Poll::Ready(Err(self.ended()));
        }
        match write(Pin::new(&mut self.tcp), cx) {
            Poll::Pending => self.wait_for_peer(cx).map(Err),
            Poll::Ready(Ok(written)) => {
                self.progressed();
                Poll::Ready(Ok(written))
            }
            failed => failed,
        }
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.connection.link.reader.register(cx.waker());
        if this.connection.link.is_ended() {
            return Poll::Ready(Err(this.ended()));
        }
        if let Some(session) = this.connection.session()
            && !session.gate().may_read(cx.waker())
        {
            return Poll::Pending;
        }
        Pin::new(&mut this.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_with(cx, |tcp, cx| tcp.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_with(cx, |tcp, cx| tcp.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.connection.link.is_ended() {
            return Poll::Ready(Err(this.ended()));
        }
        match Pin::new(&mut this.tcp).poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                this.progressed();
                Poll::Ready(Ok(()))
            }
            Poll::Pending => this.wait_for_peer(cx).map(Err),
            failed => failed,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.connection.link.is_ended() {
            return Poll::Ready(Err(this.ended()));
        }
        match Pin::new(&mut this.tcp).poll_shutdown(cx) {
            Poll::Pending => this.wait_for_peer(cx).map(Err),
            ready => ready,
        }
    }
}
