//! Times the generator on large specs, as the performance issue asks:
//!
//! - `genbench render [--events 1000] [--schemas 200] [--runs 10]`: the
//!   median wall time of rendering such a spec in memory, and of `check`
//!   (render + compare with the disk) once it has been generated;
//! - `genbench build [--events 10,100,1000]`: the wall time of `cargo build`
//!   of a generated crate of each size, dependencies built beforehand, so the
//!   time is the generated code's own;
//! - `genbench spec [--events 1000] [--schemas 200]`: prints the spec the
//!   others time, to time the `gatesmith` binary on it as a whole process;
//! - `genbench growth [--from 100] [--to 1000] [--runs 7] [--max-ratio 25]`:
//!   the CI guard on the generator's growth. It renders and checks a spec of
//!   `from` events and one of `to` events, each with a fifth as many schemas
//!   (as projects grow, both grow), and fails when the time grew more than
//!   `max-ratio` times. Linear growth keeps the ratio near `to / from`, 10;
//!   work per event proportional to the whole gateway makes it near 100.
//!
//! Specs are synthesized deterministically: objects of five fields (every
//! scalar type, an optional reference to the previous schema, in chains
//! of 50, the deepest allowed), events with
//! typed payloads, interpolated acks, broadcasts and delayed replies.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gatesmith::Project;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("render") => render(&args[1..]),
        Some("build") => build(&args[1..]),
        Some("growth") => growth(&args[1..]),
        Some("spec") => number(&args[1..], "--events", 1000).and_then(|events| {
            print!("{}", spec(events, number(&args[1..], "--schemas", 200)?));
            Ok(())
        }),
        _ => Err("usage: genbench render [--events N] [--schemas M] [--runs R] | genbench spec [--events N] [--schemas M] | genbench build [--events 10,100,1000] | genbench growth [--from 100] [--to 1000] [--runs 7] [--max-ratio 25]".to_owned()),
    };
    if let Err(message) = result {
        eprintln!("genbench: {message}");
        std::process::exit(1);
    }
}

fn flag(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|at| args.get(at + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

fn number(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    flag(args, name, &default.to_string())
        .parse()
        .map_err(|_| format!("{name} takes a number"))
}

/// A spec with `events` events and `schemas` schemas.
fn spec(events: usize, schemas: usize) -> String {
    let mut text = String::from("gateway: big\nschemas:\n");
    for index in 0..schemas {
        let _ = writeln!(
            text,
            "  Dto{index}:\n    type: object\n    required: [name, count]\n    properties:\n      name: {{ type: string, description: \"The name.\" }}\n      count: integer\n      ratio: number\n      active: boolean"
        );
        // Chains of 50 types inside types: as deep as gatesmith allows, so
        // the build proves that depth compiles.
        if index % 50 != 0 {
            let _ = writeln!(text, "      previous: Dto{}", index - 1);
        }
    }
    text.push_str("events:\n");
    for index in 0..events {
        let _ = writeln!(
            text,
            "  event{index}:\n    description: Event number {index}."
        );
        if schemas > 0 {
            let _ = writeln!(
                text,
                "    payload: Dto{}\n    ack: \"event {index} for {{{{ payload.name }}}}\"",
                index % schemas
            );
        } else {
            let _ = writeln!(text, "    ack: \"event {index}\"");
        }
        let _ = writeln!(
            text,
            "    emit: [{{ to: others, event: changed, data: {{ by: \"{{{{ socket.id }}}}\", n: {index} }} }}]\n    reply: [{{ event: later, data: {index}, after: 1s }}]"
        );
    }
    text
}

fn scratch(name: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("genbench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).map_err(|err| err.to_string())?;
    Ok(dir)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn render(args: &[String]) -> Result<(), String> {
    let events = number(args, "--events", 1000)?;
    let schemas = number(args, "--schemas", 200)?;
    let runs = number(args, "--runs", 10)?.max(1);
    let dir = scratch("render")?;
    let text = spec(events, schemas);
    std::fs::write(dir.join("specs/big.yaml"), &text).map_err(|err| err.to_string())?;
    let project = Project::new(dir.join("specs"), dir.join("out"));

    let mut render_times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let files = gatesmith::render_specs(&project).map_err(|err| err.to_string())?;
        render_times.push(started.elapsed());
        bytes = files.iter().map(|f| f.contents.len()).sum();
    }
    gatesmith::generate(&project, false).map_err(|err| err.to_string())?;
    let mut check_times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let plan = gatesmith::plan(&project).map_err(|err| err.to_string())?;
        check_times.push(started.elapsed());
        if !gatesmith::check::drift(&plan).is_empty() {
            return Err("check found drift right after generate".to_owned());
        }
    }
    // The same `check` as users run it: the gatesmith binary built beside
    // this one, process start and all.
    let binary = std::env::current_exe()
        .map_err(|err| err.to_string())?
        .with_file_name("gatesmith");
    let mut cli_times = Vec::new();
    if binary.exists() {
        for _ in 0..runs {
            let started = Instant::now();
            let status = Command::new(&binary)
                .args(["check", "--specs", "specs", "--out", "out"])
                .current_dir(&dir)
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(|err| err.to_string())?;
            cli_times.push(started.elapsed());
            if !status.success() {
                return Err("gatesmith check failed right after generate".to_owned());
            }
        }
    }
    let cli = if cli_times.is_empty() {
        "null".to_owned()
    } else {
        format!("{:.1}", median(cli_times).as_secs_f64() * 1e3)
    };
    println!(
        "{{\"mode\":\"render\",\"events\":{events},\"schemas\":{schemas},\"spec_bytes\":{},\"output_bytes\":{bytes},\"runs\":{runs},\"render_median_ms\":{:.1},\"check_median_ms\":{:.1},\"cli_check_median_ms\":{cli}}}",
        text.len(),
        median(render_times).as_secs_f64() * 1e3,
        median(check_times).as_secs_f64() * 1e3,
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The fastest of `runs` renders and of `runs` checks (render and compare
/// with the disk) of a spec of `events` events and a fifth as many schemas.
fn fastest(events: usize, runs: usize) -> Result<(Duration, Duration), String> {
    let dir = scratch(&format!("growth{events}"))?;
    let text = spec(events, (events / 5).max(1));
    std::fs::write(dir.join("specs/big.yaml"), &text).map_err(|err| err.to_string())?;
    let project = Project::new(dir.join("specs"), dir.join("out"));
    let mut render = Duration::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        gatesmith::render_specs(&project).map_err(|err| err.to_string())?;
        render = render.min(started.elapsed());
    }
    gatesmith::generate(&project, false).map_err(|err| err.to_string())?;
    let mut check = Duration::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        let plan = gatesmith::plan(&project).map_err(|err| err.to_string())?;
        check = check.min(started.elapsed());
        if !gatesmith::check::drift(&plan).is_empty() {
            return Err("check found drift right after generate".to_owned());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok((render, check))
}

/// Fails when rendering or checking `to` events took more than
/// `max-ratio` times as long as `from` events. Both are timed in the same
/// process, one after the other, so a slow machine slows both alike and
/// the ratio stays; the fastest of several runs is the least disturbed by
/// other work on a shared machine.
fn growth(args: &[String]) -> Result<(), String> {
    let from = number(args, "--from", 100)?.max(1);
    let to = number(args, "--to", 1000)?.max(from);
    let runs = number(args, "--runs", 7)?.max(1);
    let max_ratio: f64 = flag(args, "--max-ratio", "25")
        .parse()
        .map_err(|_| "--max-ratio takes a number".to_owned())?;
    let (small_render, small_check) = fastest(from, runs)?;
    let (large_render, large_check) = fastest(to, runs)?;
    let ratio = |large: Duration, small: Duration| {
        large.as_secs_f64() / small.as_secs_f64().max(f64::MIN_POSITIVE)
    };
    let (render_ratio, check_ratio) = (
        ratio(large_render, small_render),
        ratio(large_check, small_check),
    );
    let ms = |time: Duration| time.as_secs_f64() * 1e3;
    println!(
        "{{\"mode\":\"growth\",\"from\":{from},\"to\":{to},\"runs\":{runs},\"render_ms\":[{:.1},{:.1}],\"check_ms\":[{:.1},{:.1}],\"render_ratio\":{render_ratio:.1},\"check_ratio\":{check_ratio:.1},\"max_ratio\":{max_ratio}}}",
        ms(small_render),
        ms(large_render),
        ms(small_check),
        ms(large_check),
    );
    if render_ratio > max_ratio || check_ratio > max_ratio {
        return Err(format!(
            "the generator grew faster than linear: {to} events took {render_ratio:.1}× (render) and {check_ratio:.1}× (check) the time of {from}, above the {max_ratio}× allowed; linear growth gives about {}×. Profile it: perf record target/release/genbench render --events {to} --schemas {}",
            to / from,
            to / 5
        ));
    }
    Ok(())
}

fn build(args: &[String]) -> Result<(), String> {
    let sizes: Vec<usize> = flag(args, "--events", "10,100,1000")
        .split(',')
        .map(|n| n.trim().parse().map_err(|_| format!("not a number: {n}")))
        .collect::<Result<_, _>>()?;
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runtime");
    let runtime = runtime
        .canonicalize()
        .map_err(|err| format!("{}: {err}", runtime.display()))?;
    let root = scratch("build")?;
    // One target folder for all sizes: dependencies are built once, by the
    // warm-up, and each measured build compiles only the generated crate.
    let target = root.join("target");
    for (index, events) in std::iter::once(1).chain(sizes.iter().copied()).enumerate() {
        let dir = root.join(format!("crate{index}"));
        std::fs::create_dir_all(dir.join("specs")).map_err(|err| err.to_string())?;
        let schemas = (events / 5).max(1);
        std::fs::write(dir.join("specs/big.yaml"), spec(events, schemas))
            .map_err(|err| err.to_string())?;
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"size{events}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\npath = \"src/lib.rs\"\n\n[dependencies]\ngatesmith-runtime = {{ path = {:?} }}\n\n[workspace]\n",
                runtime.display().to_string()
            ),
        )
        .map_err(|err| err.to_string())?;
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
        std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|err| err.to_string())?;
        let project = Project::new(dir.join("specs"), dir.clone());
        gatesmith::generate(&project, false).map_err(|err| err.to_string())?;
        let started = Instant::now();
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--offline"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&dir)
            .status()
            .map_err(|err| err.to_string())?;
        let elapsed = started.elapsed();
        if !status.success() {
            return Err(format!("cargo build failed in {}", dir.display()));
        }
        if index > 0 {
            println!(
                "{{\"mode\":\"build\",\"events\":{events},\"schemas\":{schemas},\"build_s\":{:.2},\"s_per_100_events\":{:.3}}}",
                elapsed.as_secs_f64(),
                elapsed.as_secs_f64() * 100.0 / events as f64
            );
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}
