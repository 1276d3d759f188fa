//! Emissions scheduled for later belong to the socket that caused them: they
//! are bounded per socket and cancelled the moment it disconnects, so a gone
//! client leaves no task, timer or `SocketRef` behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use prometheus_client::metrics::gauge::Gauge;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The delayed emissions of one socket, at most `max_pending` waiting at
/// once (`Host::max_pending_delayed`): a client that floods an event with
/// delayed replies gets the excess dropped (and logged, by the caller)
/// instead of growing the server's memory without bound.
#[derive(Debug)]
pub(crate) struct Delayed {
    cancelled: CancellationToken,
    pending: AtomicUsize,
    max_pending: usize,
    /// The host's count of pending tasks, all sockets together.
    counted: Gauge,
}

impl Delayed {
    pub(crate) fn new(max_pending: usize, counted: Gauge) -> Arc<Self> {
        Arc::new(Self {
            cancelled: CancellationToken::new(),
            pending: AtomicUsize::new(0),
            max_pending,
            counted,
        })
    }

    /// Runs `emit` at `due` unless the socket disconnects first. Returns
    /// false, running nothing, when the socket already has too many pending.
    pub(crate) fn schedule<F>(self: &Arc<Self>, due: Instant, emit: F) -> bool
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match self.reserve() {
            Some(slot) => {
                slot.run_at(due, emit);
                true
            }
            None => false,
        }
    }

    /// A place among the socket's pending tasks, if one is free.
    pub(crate) fn reserve(self: &Arc<Self>) -> Option<Slot> {
        self.pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_pending).then_some(n + 1)
            })
            .ok()
            .map(|_| {
                self.counted.inc();
                Slot(Arc::clone(self))
            })
    }

    /// Cancels everything still waiting; called when the socket disconnects.
    pub(crate) fn cancel_all(&self) {
        self.cancelled.cancel();
    }

    /// Completes when the socket has disconnected.
    pub(crate) async fn disconnected(&self) {
        self.cancelled.cancelled().await;
    }

    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

/// A reserved place among a socket's pending tasks ([`Delayed::reserve`]),
/// freed when the task it runs ends, or when it is dropped unused.
pub(crate) struct Slot(Arc<Delayed>);

impl Slot {
    /// Runs `task` at `due` unless the socket disconnects first.
    pub(crate) fn run_at<F>(self, due: Instant, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        tokio::spawn(async move {
            tokio::select! {
                biased;
                () = self.0.cancelled.cancelled() => {}
                () = tokio::time::sleep_until(due) => task.await,
            }
            drop(self);
        });
    }

    /// `task`, holding the slot until it ends: the task itself watches for
    /// the disconnection ([`Delayed::disconnected`]) if it must.
    pub(crate) async fn holding<F>(self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        task.await;
        drop(self);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::AcqRel);
        self.0.counted.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::mpsc;

    const BOUND: usize = 1024;

    #[tokio::test(start_paused = true)]
    async fn emissions_fire_at_their_due_time_counted_from_the_request() {
        let delayed = Delayed::new(BOUND, Gauge::default());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let start = Instant::now();
        for (label, after) in [("bbb", 2), ("ccc", 5)] {
            let tx = tx.clone();
            assert!(
                delayed.schedule(start + Duration::from_secs(after), async move {
                    let _ = tx.send((label, Instant::now() - start));
                })
            );
        }
        assert_eq!(rx.recv().await, Some(("bbb", Duration::from_secs(2))));
        assert_eq!(rx.recv().await, Some(("ccc", Duration::from_secs(5))));
    }

    #[tokio::test(start_paused = true)]
    async fn disconnecting_cancels_what_is_pending_and_frees_the_tasks() {
        let delayed = Delayed::new(BOUND, Gauge::default());
        let (tx, mut rx) = mpsc::unbounded_channel::<()>();
        for _ in 0..3 {
            let tx = tx.clone();
            delayed.schedule(Instant::now() + Duration::from_secs(5), async move {
                let _ = tx.send(());
            });
        }
        drop(tx);
        assert_eq!(delayed.pending(), 3);
        delayed.cancel_all();
        // Every sender clone lived in a task: the channel closes only when
        // all three tasks have ended without sending.
        assert_eq!(rx.recv().await, None);
        assert_eq!(delayed.pending(), 0);
        assert_eq!(Arc::strong_count(&delayed), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_socket_cannot_queue_more_than_the_bound() {
        let delayed = Delayed::new(BOUND, Gauge::default());
        let due = Instant::now() + Duration::from_secs(60);
        for _ in 0..BOUND {
            assert!(delayed.schedule(due, async {}));
        }
        assert!(!delayed.schedule(due, async {}));
        delayed.cancel_all();
    }

    #[tokio::test(start_paused = true)]
    async fn the_bound_is_the_one_given_and_a_slot_frees_once_one_fires() {
        let delayed = Delayed::new(2, Gauge::default());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let start = Instant::now();
        for after in [1, 2] {
            let tx = tx.clone();
            assert!(
                delayed.schedule(start + Duration::from_secs(after), async move {
                    let _ = tx.send(after);
                })
            );
        }
        assert!(!delayed.schedule(start, async {}), "a third one is dropped");
        assert_eq!(rx.recv().await, Some(1));
        // The task that sent has ended once the first one fired.
        tokio::task::yield_now().await;
        assert_eq!(delayed.pending(), 1);
        assert!(delayed.schedule(start + Duration::from_secs(3), async {}));
        assert!(
            !Delayed::new(0, Gauge::default()).schedule(start, async {}),
            "0 allows none"
        );
        delayed.cancel_all();
    }
}
