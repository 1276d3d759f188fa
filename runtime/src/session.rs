//! One client's session: the messages it has in flight, bounded. Past the
//! bound the host reads nothing more from that client until a handler
//! finishes, so a client that floods is held back by TCP, not by the
//! server's memory; and no more than the bound of its handlers run at once.
//!
//! A session is shared by every namespace the client joined over one
//! engine.io connection (socketioxide gives each the engine.io session id),
//! and found by that id from the HTTP layer (long-polling requests) and from
//! the WebSocket connection it runs on ([`crate::connection`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::Waker;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use prometheus_client::metrics::counter::Counter;
use socketioxide::socket::Sid;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// One client's session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: Sid,
    gate: Arc<Gate>,
    /// The WebSocket connection the session runs on, once it has one: the
    /// host closes it to drop a client that cannot keep up.
    transport: Mutex<Weak<Link>>,
    write_timeout: Duration,
    registry: Weak<Sessions>,
}

impl Session {
    pub(crate) fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }

    /// Notes that the session runs on the connection of `link` from now on.
    pub(crate) fn runs_on(&self, link: &Arc<Link>) {
        *self.transport.lock().unwrap_or_else(|p| p.into_inner()) = Arc::downgrade(link);
    }

    /// The WebSocket connection the session runs on, if it has one.
    pub(crate) fn transport(&self) -> Option<Arc<Link>> {
        self.transport
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .upgrade()
    }

    /// How long output may wait for this client before it is dropped.
    pub(crate) fn write_timeout(&self) -> Duration {
        self.write_timeout
    }

    /// The other sessions of the host.
    pub(crate) fn registry(&self) -> Option<Arc<Sessions>> {
        self.registry.upgrade()
    }

    /// Drops a client whose outgoing queue stayed full (`what` could not be
    /// sent): its WebSocket is closed at once; a long-polling client, which
    /// has no connection of its own between requests, is dropped by
    /// engine.io when its next ping finds the queue full.
    pub(crate) fn drop_slow_consumer(&self, what: &'static str) {
        match self.transport() {
            Some(link) => {
                if let Some(registry) = self.registry() {
                    registry.slow_consumers.inc();
                }
                crate::throttle::log!(
                    warn,
                    "a client's outgoing queue stayed full: disconnected (slow consumer)",
                    session = %self.id,
                    what
                );
                link.end();
            }
            None => crate::throttle::log!(
                warn,
                "a long-polling client's outgoing queue stayed full: it is dropped at its next ping (slow consumer)",
                session = %self.id,
                what
            ),
        }
    }
}

/// What a session may do to the connection it runs on, and know of it:
/// the connection ([`crate::connection`]) reads and sets it as it goes.
#[derive(Debug, Default)]
pub(crate) struct Link {
    /// Set once the host has decided to end the connection.
    ended: AtomicBool,
    /// Since when a write has been waiting for the peer, in
    /// [`crate::throttle::millis`]; 0 when none is.
    pub(crate) backlog_since: AtomicU64,
    pub(crate) reader: AtomicWaker,
    pub(crate) writer: AtomicWaker,
}

impl Link {
    /// Ends the connection: its reads and writes fail from now on, and its
    /// close resets it at once rather than waiting for unread data to go.
    pub(crate) fn end(&self) {
        self.ended.store(true, Ordering::Release);
        self.reader.wake();
        self.writer.wake();
    }

    pub(crate) fn is_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// Whether a write is waiting for the peer to read: the peer is not
    /// keeping up with what it is sent.
    pub(crate) fn is_backlogged(&self) -> bool {
        self.backlog_since.load(Ordering::Acquire) != 0
    }
}

/// The messages of one session that are read and not yet answered.
#[derive(Debug)]
pub(crate) struct Gate {
    /// Messages read and not yet finished, running or waiting to run.
    in_flight: AtomicUsize,
    bound: usize,
    /// At most `bound` handlers run at once; the others wait their turn.
    running: Arc<Semaphore>,
    /// The WebSocket reader, paused while `in_flight` is at the bound.
    reader: AtomicWaker,
    /// Long-polling requests waiting for the same.
    opened: Notify,
}

impl Gate {
    fn new(bound: usize) -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            bound,
            running: Arc::new(Semaphore::new(bound)),
            reader: AtomicWaker::new(),
            opened: Notify::new(),
        }
    }

    /// Counts a message read, until the returned ticket is dropped.
    pub(crate) fn enter(self: &Arc<Self>) -> Ticket {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Ticket(Arc::clone(self))
    }

    /// Whether more may be read; if not, `waker` is woken once it may.
    pub(crate) fn may_read(&self, waker: &Waker) -> bool {
        if !self.is_full() {
            return true;
        }
        self.reader.register(waker);
        // A ticket may have been dropped between the check and the register.
        !self.is_full()
    }

    /// Completes once fewer messages than the bound are in flight.
    pub(crate) async fn opened(&self) {
        loop {
            let opened = self.opened.notified();
            tokio::pin!(opened);
            opened.as_mut().enable();
            if !self.is_full() {
                return;
            }
            opened.await;
        }
    }

    fn is_full(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) >= self.bound
    }

    /// A turn to run a handler: at once when fewer than the bound run.
    pub(crate) fn try_turn(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.running).try_acquire_owned().ok()
    }

    /// Waits for a turn to run a handler.
    pub(crate) async fn turn(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.running).acquire_owned().await.ok()
    }

    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// One message in flight; dropping it lets the session read again when it
/// was at the bound.
#[derive(Debug)]
pub(crate) struct Ticket(Arc<Gate>);

impl Drop for Ticket {
    fn drop(&mut self) {
        let before = self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        if before == self.0.bound {
            self.0.reader.wake();
            self.0.opened.notify_waiters();
        }
    }
}

/// The sessions of a host, by id, each counted once per namespace joined.
#[derive(Debug)]
pub(crate) struct Sessions {
    by_id: Mutex<HashMap<Sid, (Arc<Session>, usize)>>,
    bound: usize,
    write_timeout: Duration,
    me: Weak<Sessions>,
    /// Counts the clients dropped as slow consumers.
    pub(crate) slow_consumers: Counter,
}

impl Sessions {
    /// Sessions whose messages in flight are bounded by `bound` each, and
    /// whose output may wait `write_timeout` at most.
    pub(crate) fn new(bound: usize, write_timeout: Duration, slow_consumers: Counter) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            by_id: Mutex::new(HashMap::new()),
            bound: bound.max(1),
            write_timeout,
            me: me.clone(),
            slow_consumers,
        })
    }

    /// The session `id`, as a namespace joins it.
    pub(crate) fn join(&self, id: Sid) -> Arc<Session> {
        let mut by_id = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        let (session, namespaces) = by_id.entry(id).or_insert_with(|| {
            let session = Session {
                id,
                gate: Arc::new(Gate::new(self.bound)),
                transport: Mutex::new(Weak::new()),
                write_timeout: self.write_timeout,
                registry: self.me.clone(),
            };
            (Arc::new(session), 0)
        });
        *namespaces += 1;
        Arc::clone(session)
    }

    /// A namespace left the session `id`; the last one ends it.
    pub(crate) fn leave(&self, id: Sid) {
        let mut by_id = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, namespaces)) = by_id.get_mut(&id) {
            *namespaces -= 1;
            if *namespaces == 0 {
                by_id.remove(&id);
            }
        }
    }

    pub(crate) fn get(&self, id: Sid) -> Option<Arc<Session>> {
        let by_id = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        by_id.get(&id).map(|(session, _)| Arc::clone(session))
    }

    /// How many sessions are connected.
    pub(crate) fn len(&self) -> usize {
        self.by_id.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{Wake, Waker};

    struct Flag(std::sync::atomic::AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn reading_pauses_at_the_bound_and_resumes_when_one_finishes() {
        let sessions = Sessions::new(2, Duration::from_secs(1), Counter::default());
        let session = sessions.join(Sid::new());
        let gate = session.gate();
        let flag = Arc::new(Flag(false.into()));
        let waker = Waker::from(Arc::clone(&flag));
        let first = gate.enter();
        assert!(gate.may_read(&waker));
        let second = gate.enter();
        assert!(!gate.may_read(&waker), "two in flight: the bound");
        let third = gate.enter();
        drop(first);
        assert!(!flag.0.load(Ordering::SeqCst), "still at the bound");
        drop(second);
        assert!(flag.0.load(Ordering::SeqCst), "the reader is woken");
        assert!(gate.may_read(&waker));
        drop(third);
        assert_eq!(gate.in_flight(), 0);
    }

    #[tokio::test]
    async fn no_more_than_the_bound_run_at_once() {
        let sessions = Sessions::new(2, Duration::from_secs(1), Counter::default());
        let gate = Arc::clone(sessions.join(Sid::new()).gate());
        let a = gate.try_turn().unwrap();
        let _b = gate.try_turn().unwrap();
        assert!(gate.try_turn().is_none());
        let waiting = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.turn().await.is_some() }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(a);
        assert!(waiting.await.unwrap());
    }

    #[test]
    fn a_session_lasts_as_long_as_one_of_its_namespaces() {
        let sessions = Sessions::new(4, Duration::from_secs(1), Counter::default());
        let id = Sid::new();
        let first = sessions.join(id);
        let second = sessions.join(id);
        assert!(Arc::ptr_eq(&first, &second), "one gate per session");
        assert_eq!(sessions.len(), 1);
        sessions.leave(id);
        assert!(sessions.get(id).is_some());
        sessions.leave(id);
        assert!(sessions.get(id).is_none());
        assert_eq!(sessions.len(), 0);
    }
}
