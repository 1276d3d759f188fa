//! Rate limits a spec declares (`rate: 20/s`): token buckets per socket, for
//! one event or for all events of a gateway, through `governor`'s GCRA. A
//! message over its limit is not handled and is answered `rate_limited`
//! with how long to wait; a socket refused more than `disconnect_after`
//! times within one period of its limit is disconnected.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Serialize;

/// At most `count` messages per `period` from one socket, in bursts of at
/// most `burst` (by default `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    count: NonZeroU32,
    period: Duration,
    burst: NonZeroU32,
    disconnect_after: Option<NonZeroU32>,
}

impl Rate {
    /// `count` messages per `period` (a count of 0 counts as 1, a zero
    /// period as one millisecond).
    pub fn new(count: u32, period: Duration) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        Self {
            count,
            period: period.max(Duration::from_millis(1)),
            burst: count,
            disconnect_after: None,
        }
    }

    /// Allows bursts of up to `burst` messages at once.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// Disconnects a socket refused more than `refusals` times within one
    /// period.
    pub fn disconnect_after(mut self, refusals: u32) -> Self {
        self.disconnect_after = NonZeroU32::new(refusals);
        self
    }

    fn quota(&self, count: NonZeroU32, burst: NonZeroU32) -> Quota {
        let interval = self.period / count.get();
        Quota::with_period(interval.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(burst)
    }

    /// The limit in words: `20 per second`.
    fn said(&self) -> String {
        let period = match self.period.as_secs() {
            1 => "second".to_owned(),
            60 => "minute".to_owned(),
            3600 => "hour".to_owned(),
            _ => format!("{} ms", self.period.as_millis()),
        };
        format!("{} per {period}", self.count)
    }
}

/// One socket's budget under one [`Rate`].
#[derive(Debug)]
pub(crate) struct Budget {
    rate: Rate,
    messages: DefaultDirectRateLimiter,
    refusals: Option<DefaultDirectRateLimiter>,
}

/// A message over its socket's budget.
#[derive(Debug, Clone)]
pub(crate) struct Limited {
    pub(crate) retry_after: Duration,
    pub(crate) limit: String,
    /// The socket went on past `disconnect_after`: drop it.
    pub(crate) disconnect: bool,
}

impl Budget {
    pub(crate) fn new(rate: Rate) -> Arc<Self> {
        Arc::new(Self {
            rate,
            messages: RateLimiter::direct(rate.quota(rate.count, rate.burst)),
            refusals: rate
                .disconnect_after
                .map(|refusals| RateLimiter::direct(rate.quota(refusals, refusals))),
        })
    }

    /// Takes one message from the budget, or says how long to wait.
    pub(crate) fn spend(&self) -> Result<(), Limited> {
        let Err(not_until) = self.messages.check() else {
            return Ok(());
        };
        let disconnect = self
            .refusals
            .as_ref()
            .is_some_and(|refusals| refusals.check().is_err());
        Err(Limited {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            limit: self.rate.said(),
            disconnect,
        })
    }
}

/// The answer to a message over its rate limit (docs/errors.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimited {
    /// Always `"error"`.
    pub status: &'static str,
    /// Always `"rate_limited"`.
    pub code: &'static str,
    /// The event that was refused.
    pub event: String,
    /// Why, in words.
    pub message: String,
    /// How long to wait before this event is accepted again, in ms.
    pub retry_after_ms: u64,
}

impl RateLimited {
    /// The code of every message refused for its rate.
    pub const CODE: &'static str = "rate_limited";

    pub(crate) fn new(event: &str, limited: &Limited) -> Self {
        let retry_after_ms = u64::try_from(limited.retry_after.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        Self {
            status: "error",
            code: Self::CODE,
            event: event.to_owned(),
            message: format!(
                "too many messages: at most {}; send it again in {retry_after_ms} ms",
                limited.limit
            ),
            retry_after_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rest_waits_and_is_told_how_long() {
        let budget = Budget::new(Rate::new(2, Duration::from_secs(1)).burst(3));
        for _ in 0..3 {
            assert!(budget.spend().is_ok());
        }
        let limited = budget.spend().unwrap_err();
        assert!(limited.retry_after > Duration::ZERO);
        assert!(
            limited.retry_after <= Duration::from_millis(500),
            "{limited:?}"
        );
        assert!(!limited.disconnect, "no disconnect_after declared");
        let answer = RateLimited::new("say", &limited);
        assert_eq!(answer.code, "rate_limited");
        assert!(
            answer.message.contains("at most 2 per second"),
            "{}",
            answer.message
        );
    }

    #[test]
    fn a_socket_that_keeps_going_past_its_refusals_is_to_be_disconnected() {
        let budget = Budget::new(Rate::new(1, Duration::from_secs(60)).disconnect_after(3));
        assert!(budget.spend().is_ok());
        let refusals: Vec<bool> = (0..4)
            .map(|_| budget.spend().unwrap_err().disconnect)
            .collect();
        assert_eq!(refusals, [false, false, false, true]);
    }
}
