//! Serves the benchmark's generated gateway (bench/specs/bench.yaml) on
//! `PORT` (default 3000), with the spec's behaviour untouched: what is
//! measured is exactly what `gatesmith generate` gives a user.
//! This file is hand-written; gatesmith never overwrites it.

use bench_gatesmith::bench;
use gatesmith_runtime::Host;

fn main() -> std::io::Result<()> {
    Host::from_env()?
        .pages(bench_gatesmith::PAGES_DIR)
        .gateway(bench::gateway(bench::SpecBenchService))
        .run()
}
