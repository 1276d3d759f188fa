//! Log lines that a client cannot multiply: a warning or notice caused by
//! what clients send (a refused payload, a failed emission, a slow
//! consumer) is written at most once per [`INTERVAL_MS`] per place in the
//! code, with the number of similar lines left out since the last one. One
//! client's million bad messages make one line every ten seconds, not a
//! million.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::time::Instant;

/// How often one place in the code may log.
pub(crate) const INTERVAL_MS: u64 = 10_000;

/// One place in the code that logs under a throttle.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// When the next line may be written, in [`millis`].
    next: AtomicU64,
    /// Lines left out since the last one written.
    left_out: AtomicU64,
}

impl Throttle {
    pub(crate) const fn new() -> Self {
        Self {
            next: AtomicU64::new(0),
            left_out: AtomicU64::new(0),
        }
    }

    /// `Some(lines left out since the last one)` when a line may be
    /// written now; `None` (and one more left out) when not.
    pub(crate) fn allow(&self) -> Option<u64> {
        let now = millis();
        let next = self.next.load(Ordering::Acquire);
        if now >= next
            && self
                .next
                .compare_exchange(next, now + INTERVAL_MS, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Some(self.left_out.swap(0, Ordering::AcqRel));
        }
        self.left_out.fetch_add(1, Ordering::AcqRel);
        None
    }
}

/// Milliseconds since the first call, never 0.
pub(crate) fn millis() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
}

/// `tracing::$level!` at most once per interval from this place, with
/// `left_out`: how many similar lines were not written since the last one.
/// `throttle::log!(warn, "emit failed", socket = %id)`.
macro_rules! log {
    ($level:ident, $message:literal $(, $($field:tt)+)?) => {{
        static THROTTLE: $crate::throttle::Throttle = $crate::throttle::Throttle::new();
        if let Some(left_out) = THROTTLE.allow() {
            tracing::$level!(left_out, $($($field)+ ,)? $message);
        }
    }};
}

pub(crate) use log;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_line_per_interval_with_the_count_of_those_left_out() {
        let throttle = Throttle::new();
        assert_eq!(throttle.allow(), Some(0), "the first line is written");
        for _ in 0..999 {
            assert_eq!(throttle.allow(), None);
        }
        tokio::time::advance(std::time::Duration::from_millis(INTERVAL_MS)).await;
        assert_eq!(throttle.allow(), Some(999), "then one, counting the rest");
        assert_eq!(throttle.allow(), None);
    }
}
