//! What every mode counts: failures by kind, latencies in an HDR histogram,
//! and how a result is reported.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::wire::{Failure, Kind};

/// Failures counted by kind; the first few are also printed, so that a run
/// full of errors says why.
#[derive(Default)]
pub struct Errors {
    counts: [AtomicU64; Kind::ALL.len()],
    printed: AtomicU64,
}

const PRINTED: u64 = 5;

impl Errors {
    pub fn count(&self, failure: &Failure) {
        let index = Kind::ALL
            .iter()
            .position(|kind| *kind == failure.kind())
            .unwrap_or(0);
        self.counts[index].fetch_add(1, Ordering::Relaxed);
        if self.printed.fetch_add(1, Ordering::Relaxed) < PRINTED {
            eprintln!("loadgen: {failure}");
        }
    }

    /// How many failures of one kind.
    pub fn of(&self, kind: Kind) -> u64 {
        Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |index| self.counts[index].load(Ordering::Relaxed))
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// "0" or "3 (2 disconnected, 1 bad frame)".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = Kind::ALL
            .iter()
            .zip(&self.counts)
            .map(|(kind, count)| (kind, count.load(Ordering::Relaxed)))
            .filter(|(_, count)| *count > 0)
            .map(|(kind, count)| format!("{count} {}", kind.name()))
            .collect();
        match parts.as_slice() {
            [] => "0".to_owned(),
            _ => format!("{} ({})", self.total(), parts.join(", ")),
        }
    }
}

/// Microseconds, from 1 µs to 10 minutes, to 3 significant digits. Shared
/// by every client: one uncontended lock per sample costs far less than the
/// syscalls around it, and per-client histograms (~100 KiB each) would not
/// fit thousands of clients.
pub struct Latencies(Mutex<Histogram<u64>>);

impl Latencies {
    pub fn new() -> Self {
        // Constant bounds, valid by hdrhistogram's rules (low ≥ 1, high ≥ 2 × low, sigfig ≤ 5).
        let histogram =
            Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds");
        Self(Mutex::new(histogram))
    }

    pub fn record(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .saturating_record(micros.max(1));
    }

    pub fn snapshot(&self) -> Histogram<u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Prints the human summary and, with `json`, the one JSON line: the line
/// alone on stdout, the summary on stderr, so that scripts read stdout whole.
pub fn report(json: bool, human: &str, line: &serde_json::Value) {
    if json {
        eprintln!("{human}");
        println!("{line}");
    } else {
        println!("{human}");
    }
}

/// `x` rounded to `places` decimals, for JSON that reads well.
pub fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}
