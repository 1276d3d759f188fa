//! Emissions scheduled for later belong to the socket that caused them: they
//! are bounded per socket and cancelled the moment it disconnects, so a gone
//! client leaves no task, timer or `SocketRef` behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How many emissions one socket may have waiting at once. A client that
/// floods an event with delayed replies gets the excess dropped (and logged)
/// instead of growing the server's memory without bound.
pub const MAX_PENDING_PER_SOCKET: usize = 1024;

/// The delayed emissions of one socket.
#[derive(Debug, Default)]
pub(crate) struct Delayed {
    cancelled: CancellationToken,
    pending: AtomicUsize,
}

impl Delayed {
    pub(crate) fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Runs `emit` at `due` unless the socket disconnects first. Returns
    /// false, running nothing, when the socket already has too many pending.
    pub(crate) fn schedule<F>(self: &Arc<Self>, due: Instant, emit: F) -> bool
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let reserved = self
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_PENDING_PER_SOCKET).then_some(n + 1)
            })
            .is_ok();
        if !reserved {
            return false;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            tokio::select! {
                biased;
                () = this.cancelled.cancelled() => {}
                () = tokio::time::sleep_until(due) => emit.await,
            }
            this.pending.fetch_sub(1, Ordering::AcqRel);
        });
        true
    }

    /// Cancels everything still waiting; called when the socket disconnects.
    pub(crate) fn cancel_all(&self) {
        self.cancelled.cancel();
    }

    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::mpsc;

    #[tokio::test(start_paused = true)]
    async fn emissions_fire_at_their_due_time_counted_from_the_request() {
        let delayed = Delayed::new();
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
        let delayed = Delayed::new();
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
        let delayed = Delayed::new();
        let due = Instant::now() + Duration::from_secs(60);
        for _ in 0..MAX_PENDING_PER_SOCKET {
            assert!(delayed.schedule(due, async {}));
        }
        assert!(!delayed.schedule(due, async {}));
        delayed.cancel_all();
    }
}
