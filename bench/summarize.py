#!/usr/bin/env python3
"""Summarizes a bench/run results directory as Markdown tables.

    python3 bench/summarize.py bench/results/<timestamp>    # or .../raw.jsonl
    python3 bench/summarize.py --self-test

Reads raw.jsonl (one line per run: scenario, server, round, ok, error and the
load generator's JSON line under "result") and machine.json beside it, and
prints, ready to paste into BENCHMARKS.md:

- the machine;
- per scenario and server, the median over rounds of each metric
  (acks/s, p50, p99, p99.9, server CPU s per 10k acks; RSS per client for
  `idle`; every numeric field for `delayed`);
- per scenario and metric, the ratios gatesmith/handwritten and
  gatesmith/nest in each round (the two runs of one round are neighbours in
  time, so a ratio within a round cancels drift of the machine), and the
  median of those ratios;
- for `flood` scenarios, the polite clients' p99 with and without the flood
  and its ratio, acks lost, disconnections, the server's peak RSS growth,
  and issue 13's containment targets per server and round: p99 with the
  flood at most 5 times p99 without, every polite ack, no disconnection,
  and the peak RSS growth of the largest flood within 10 % of the smallest's.

Failed runs (ok false, or no result) are left out of the medians and counted.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections import defaultdict

GENERATED = "gatesmith"
BASELINES = ("handwritten", "nest")
SERVER_ORDER = ("gatesmith", "handwritten", "nest")
SERVER_LABEL = {
    "gatesmith": "gatesmith (generated)",
    "handwritten": "handwritten (socketioxide)",
    "nest": "NestJS",
}

# (key in the load generator's line, column title, format); `run` and `idle`
# have these columns; `delayed` shows whatever numeric fields it printed.
RUN_METRICS = [
    ("acks_per_s", "acks/s", "int"),
    ("p50_us", "p50 µs", "int"),
    ("p99_us", "p99 µs", "int"),
    ("p999_us", "p99.9 µs", "int"),
    ("server_cpu_s_per_10k_acks", "CPU s / 10k acks", "f3"),
]
RUN_EXTRA = [("errors", "errors (sum)", "sum")]
IDLE_METRICS = [("rss_per_client_kib", "RSS / client KiB", "f1")]
IDLE_EXTRA = [
    ("rss_before_kib", "RSS before KiB", "int"),
    ("rss_after_kib", "RSS after KiB", "int"),
    ("connected", "connected", "int"),
]
# `flood`: the table's columns, and the metrics compared between servers.
FLOOD_COLUMNS = [
    ("p99_us_without", "p99 µs without", "int"),
    ("p99_us_with", "p99 µs with", "int"),
    ("p99_ratio", "p99 with / without", "f2"),
    ("p50_us_without", "p50 µs without", "int"),
    ("p50_us_with", "p50 µs with", "int"),
    ("acks_per_s_without", "acks/s without", "int"),
    ("acks_per_s_with", "acks/s with", "int"),
    ("acks_lost", "polite acks lost (sum)", "sum"),
    ("disconnected", "polite disconnected (sum)", "sum"),
    ("flood_s", "flood s", "f2"),
    ("flood_acks_lost", "flood acks lost (sum)", "sum"),
    ("rss_peak_growth_kib", "peak RSS growth KiB", "int"),
    ("others_pct_without", "others' CPU % without", "int"),
    ("others_pct_with", "others' CPU % with", "int"),
]
FLOOD_METRICS = [
    ("p99_us_with", "p99 µs with flood", "int"),
    ("p99_ratio", "p99 with / without", "f2"),
    ("rss_peak_growth_kib", "peak RSS growth KiB", "int"),
]
# Issue 13's targets.
FLOOD_P99_RATIO = 5.0
FLOOD_RSS_SPREAD = 0.10
# Fields of a result line that describe the run rather than measure it.
NOT_METRICS = {"mode", "event", "clients", "inflight", "duration_s", "hold_s", "warmup_s"}


def load(path: str) -> tuple[list[dict], dict]:
    """The records of raw.jsonl and machine.json (empty if absent)."""
    if os.path.isdir(path):
        directory, raw = path, os.path.join(path, "raw.jsonl")
    else:
        directory, raw = os.path.dirname(path) or ".", path
    records = []
    with open(raw, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except ValueError as e:
                print(f"summarize: {raw}:{number}: not JSON ({e}); skipped", file=sys.stderr)
    machine = {}
    machine_path = os.path.join(directory, "machine.json")
    if os.path.exists(machine_path):
        with open(machine_path, encoding="utf-8") as f:
            machine = json.load(f)
    return records, machine


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def metrics_for(mode: str, results: list[dict]) -> tuple[list, list]:
    """(metrics with ratios, extra columns) for a scenario of this mode."""
    if mode == "run":
        return RUN_METRICS, RUN_EXTRA
    if mode == "idle":
        return IDLE_METRICS, IDLE_EXTRA
    if mode == "flood":
        return FLOOD_METRICS, []
    keys: list[str] = []
    for result in results:
        for key, value in result.items():
            if key not in NOT_METRICS and key not in keys and is_number(value):
                keys.append(key)
    fmt = lambda k: "int" if all(is_number(r.get(k)) and float(r[k]).is_integer() for r in results if k in r) else "f2"
    return [(k, k, fmt(k)) for k in keys], []


def fmt_value(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "int":
        return f"{value:,.0f}".replace(",", " ")
    if kind == "f1":
        return f"{value:.1f}"
    if kind == "f2":
        return f"{value:.2f}"
    return f"{value:.3f}"


def fmt_ratio(value) -> str:
    if value is None:
        return "—"
    # A ratio far below 1 (memory that grows with one server and not the
    # other) would otherwise read 0.00.
    return f"{value:.4f}" if 0 < abs(value) < 0.01 else f"{value:.2f}"


def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b) -> float | None:
    if not is_number(a) or not is_number(b) or b == 0:
        return None
    return a / b


def table(header: list[str], rows: list[list[str]], right_from: int) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def summarize(records: list[dict], machine: dict) -> str:
    out: list[str] = []
    if machine:
        out.append("## Machine")
        out.append("")
        nest = machine.get("nest") or {}
        items = [
            ("date (UTC)", machine.get("date_utc")),
            ("CPU", f"{machine.get('cpu_model', '?')} ({machine.get('nproc', '?')} CPUs)"),
            ("kernel", machine.get("kernel")),
            ("rustc", machine.get("rustc")),
            ("node", machine.get("node")),
            ("NestJS", ", ".join(f"{k} {v}" for k, v in nest.items() if v) or None),
            ("commit", machine.get("git_commit")),
            (
                "adapter",
                f"Redis (redis-server {machine.get('redis_server') or '?'}, on CPU {machine.get('server_cpu', 0)} "
                "with the server) for gatesmith and handwritten"
                if machine.get("redis")
                else None,
            ),
            (
                "method",
                f"{machine.get('rounds', '?')} rounds, {machine.get('duration_s', '?')} s measured after "
                f"{machine.get('warmup_s', '?')} s warm-up; server on CPU {machine.get('server_cpu', 0)}, "
                f"load generator on CPU {machine.get('loadgen_cpu', 1)}; each server started fresh per run, "
                "the order rotating every round",
            ),
        ]
        out += [f"- {name}: {value}" for name, value in items if value]
        out.append("")

    # scenario -> server -> round -> result; scenario order as first seen.
    scenarios: dict[str, dict] = {}
    modes: dict[str, str] = {}
    failed: dict[tuple[str, str], int] = defaultdict(int)
    servers_seen: set[str] = set()
    for rec in records:
        scenario, server = rec.get("scenario"), rec.get("server")
        if not scenario or not server:
            continue
        servers_seen.add(server)
        mode = (rec.get("result") or {}).get("mode") if isinstance(rec.get("result"), dict) else None
        if mode or rec.get("mode"):
            modes.setdefault(scenario, mode or rec.get("mode"))
        by_server = scenarios.setdefault(scenario, {})
        result = rec.get("result")
        if not rec.get("ok") or not isinstance(result, dict):
            failed[(scenario, server)] += 1
            by_server.setdefault(server, {})
            continue
        by_server.setdefault(server, {})[rec.get("round")] = result
    servers = [s for s in SERVER_ORDER if s in servers_seen] + sorted(servers_seen - set(SERVER_ORDER))

    if not scenarios:
        out.append("No runs recorded.")
        return "\n".join(out) + "\n"

    groups = [
        ("run", "Throughput and latency (medians over rounds)"),
        ("idle", "Memory with idle clients (medians over rounds)"),
        ("delayed", "Delayed emissions (medians over rounds)"),
        ("flood", "Containment: one client floods (medians over rounds)"),
    ]
    for mode, title in groups:
        # A scenario whose every run failed has no mode: it shows with `run`.
        names = [s for s in scenarios if modes.get(s, "run") == mode]
        if not names:
            continue
        out.append(f"## {title}")
        out.append("")
        if mode == "delayed":
            # The fields of `delayed` vary with the load generator: one table per scenario.
            for name in names:
                results = [r for per in scenarios[name].values() for r in per.values()]
                metrics, extra = metrics_for(mode, results)
                header = ["scenario", "server", *[title for _, title, _ in metrics + extra], "runs"]
                rows = [scenario_row(name, server, scenarios[name].get(server, {}), metrics + extra, failed) for server in servers]
                out += table(header, rows, 2)
                out.append("")
            continue
        if mode == "flood":
            out += flood_section(names, scenarios, servers, failed)
            continue
        results = [r for name in names for per in scenarios[name].values() for r in per.values()]
        metrics, extra = metrics_for(mode, results)
        header = ["scenario", "server", *[title for _, title, _ in metrics + extra], "runs"]
        rows = []
        for name in names:
            for server in servers:
                rows.append(scenario_row(name, server, scenarios[name].get(server, {}), metrics + extra, failed))
        out += table(header, rows, 2)
        out.append("")

    # Ratios per round.
    rounds = sorted({r for per_scenario in scenarios.values() for per in per_scenario.values() for r in per if r is not None})
    baselines = [b for b in BASELINES if b in servers_seen]
    if GENERATED in servers_seen and baselines:
        detail, brief = [], []
        for name, per_server in scenarios.items():
            mode = modes.get(name, "run")
            results = [r for per in per_server.values() for r in per.values()]
            metrics, _ = metrics_for(mode, results)
            gen = per_server.get(GENERATED, {})
            for key, title, _ in metrics:
                medians = []
                for base in baselines:
                    other = per_server.get(base, {})
                    per_round = [ratio(gen.get(r, {}).get(key), other.get(r, {}).get(key)) for r in rounds]
                    detail.append([name, title, base, *[fmt_ratio(v) for v in per_round], fmt_ratio(median(per_round))])
                    medians.append(fmt_ratio(median(per_round)))
                brief.append([name, title, *medians])
        out.append("## Ratios generated / baseline")
        out.append("")
        out.append(
            "gatesmith's value divided by the baseline's in the same round, median over rounds; "
            "above 1 means more acks/s, or more latency, CPU or memory, than the baseline."
        )
        out.append("")
        out += table(["scenario", "metric", *[f"gatesmith / {b}" for b in baselines]], brief, 2)
        out.append("")
        out.append("### Per round")
        out.append("")
        out += table(["scenario", "metric", "vs", *[f"r{r}" for r in rounds], "median"], detail, 3)
        out.append("")

    total_failed = sum(failed.values())
    if total_failed:
        out.append(
            f"{total_failed} failed run(s) left out: "
            + ", ".join(f"{s}/{v} ×{n}" for (s, v), n in sorted(failed.items()))
            + " (raw.jsonl has their errors)."
        )
        out.append("")
    return "\n".join(out)


def flood_section(names: list[str], scenarios: dict, servers: list[str], failed: dict) -> list[str]:
    """The flood table, then issue 13's targets per server and round."""
    out = [
        "Polite clients' latency in the window without the flood and in the one with it "
        "(from its first message to its last ack); p99 with / without is the median of the "
        "per-round ratios. Peak RSS growth: the server's VmHWM after the flood minus before it.",
        "",
    ]
    header = ["scenario", "server", *[title for _, title, _ in FLOOD_COLUMNS], "runs"]
    rows = [scenario_row(name, server, with_others_share(scenarios[name].get(server, {})), FLOOD_COLUMNS, failed)
            for name in names for server in servers if server in scenarios[name]]
    out += table(header, rows, 2)
    out.append("")
    out.append(
        "Others' CPU: what processes other than the server and the load generator ran on the machine "
        "in each window, in % of one core (a neighbour's build takes a pinned core for a scheduler "
        "tick at a time, and that shows in p99)."
    )
    out.append("")

    # The smallest and the largest flood, by their size.
    def size(name: str) -> int:
        found = [r.get("messages") for per in scenarios[name].values() for r in per.values()
                 if is_number(r.get("messages"))]
        return int(max(found)) if found else 0

    sized = sorted((n for n in names if size(n)), key=size)
    small, large = (sized[0], sized[-1]) if len(sized) >= 2 and size(sized[0]) < size(sized[-1]) else (None, None)
    rounds = sorted({r for n in names for per in scenarios[n].values() for r in per if r is not None})
    out.append("### Containment targets (issue 13)")
    out.append("")
    out.append(
        f"Per round: polite p99 with the flood ≤ {FLOOD_P99_RATIO:g} × without, every polite ack, "
        "no polite disconnection"
        + (f"; peak RSS growth of {large} ÷ {small} within {FLOOD_RSS_SPREAD:.0%} of 1 (the same round)." if small else ".")
    )
    out.append("")
    target_rows = []
    for server in servers:
        for name in names:
            per_round = scenarios[name].get(server)
            if not per_round:
                continue
            ratios = [per_round[r].get("p99_ratio") if r in per_round else None for r in rounds]
            lost = sum(r.get("acks_lost") or 0 for r in per_round.values())
            disconnected = sum(r.get("disconnected") or 0 for r in per_round.values())
            errors = sum(r.get("errors") or 0 for r in per_round.values())
            known = [v for v in ratios if is_number(v)]
            p99_rounds = sum(v <= FLOOD_P99_RATIO for v in known)
            target_rows.append([
                name, SERVER_LABEL.get(server, server),
                " ".join(fmt_ratio(v) for v in ratios) + f" → {fmt_ratio(median(ratios))}",
                f"{p99_rounds} of {len(known)} rounds; median "
                + verdict(bool(known) and median(known) <= FLOOD_P99_RATIO),
                f"{lost} {verdict(lost == 0)}",
                f"{disconnected} {verdict(disconnected == 0)}" + (f" ({errors} errors)" if errors > disconnected else ""),
            ])
    out += table(["scenario", "server", "p99 with / without per round → median", f"≤ {FLOOD_P99_RATIO:g}×",
                  "polite acks lost", "polite disconnected"], target_rows, 2)
    out.append("")
    if small:
        rss_rows = []
        for server in servers:
            a, b = scenarios[small].get(server, {}), scenarios[large].get(server, {})
            growth = lambda per, r: per.get(r, {}).get("rss_peak_growth_kib")
            ratios = [ratio(growth(b, r), growth(a, r)) for r in rounds]
            known = [v for v in ratios if v is not None]
            if not known:
                continue
            within = [within_spread(v) for v in known]
            # Not `growth`'s own median: each round's ratio pairs two runs
            # close in time.
            rss_rows.append([
                SERVER_LABEL.get(server, server),
                " ".join(fmt_value(growth(a, r), "int") for r in rounds),
                " ".join(fmt_value(growth(b, r), "int") for r in rounds),
                " ".join(fmt_ratio(v) for v in ratios) + f" → {fmt_ratio(median(ratios))}",
                f"{sum(within)} of {len(within)} rounds; median {verdict(within_spread(median(known)))}",
            ])
        out += table(["server", f"{small} growth KiB per round", f"{large} growth KiB per round",
                      f"{large} / {small} per round → median", f"within {FLOOD_RSS_SPREAD:.0%}"], rss_rows, 1)
        out.append("")
    return out


def with_others_share(per_round: dict) -> dict:
    """Each round's result with the others' CPU as a share of its window."""
    shared = {}
    for r, result in per_round.items():
        result = dict(result)
        # The CPU readings with the flood span `cpu_with_window_s` (longer
        # than the window when the flood's acks stalled).
        with_span = result.get("cpu_with_window_s", result.get("with_window_s"))
        for window, length in (("without", result.get("duration_s")), ("with", with_span)):
            cpu = result.get(f"others_cpu_s_{window}")
            if is_number(cpu) and is_number(length) and length > 0:
                result[f"others_pct_{window}"] = 100 * cpu / length
        shared[r] = result
    return shared


def within_spread(value: float) -> bool:
    """Within FLOOD_RSS_SPREAD of 1; 1.10 is within 10 %, floating point notwithstanding."""
    return round(abs(value - 1), 9) <= FLOOD_RSS_SPREAD


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def scenario_row(name: str, server: str, per_round: dict, columns: list, failed: dict) -> list[str]:
    values = []
    for key, _, kind in columns:
        found = [r.get(key) for r in per_round.values() if is_number(r.get(key))]
        if kind == "sum":
            values.append(fmt_value(sum(found) if found else None, "int"))
        else:
            values.append(fmt_value(median(found), kind))
    runs = f"{len(per_round)}"
    if failed.get((name, server)):
        runs += f" (+{failed[(name, server)]} failed)"
    return [name, SERVER_LABEL.get(server, server), *values, runs]


# --- self-test -----------------------------------------------------------------


def sample_records() -> list[dict]:
    """Three rounds of three servers for one scenario of each mode, one failed run."""
    records = []
    run = {
        "gatesmith": [(40000, 200, 900, 1500, 0.30), (42000, 190, 800, 1400, 0.28), (41000, 210, 1000, 1600, 0.29)],
        "handwritten": [(44000, 180, 700, 1200, 0.25), (40000, 200, 800, 1300, 0.27), (41000, 190, 900, 1400, 0.26)],
        "nest": [(10000, 900, 4000, 9000, 1.20), (12000, 800, 3000, 8000, 1.00), (11000, 850, 3500, 8500, 1.10)],
    }
    idle = {"gatesmith": [10.0, 12.0, 11.0], "handwritten": [9.0, 10.0, 12.0], "nest": [40.0, 50.0, 44.0]}
    delayed = {"gatesmith": [1.0, 2.0, 3.0], "handwritten": [1.0, 1.0, 2.0], "nest": [4.0, 8.0, 6.0]}
    order = list(SERVER_ORDER)
    for r in range(1, 4):
        rotated = order[r - 1 :] + order[: r - 1]
        for pos, server in enumerate(rotated, 1):
            acks, p50, p99, p999, cpu = run[server][r - 1]
            records.append({
                "scenario": "echo-c50-w1", "server": server, "round": r, "position": pos,
                "order": rotated, "port": 40000 + pos, "ok": True, "error": None,
                "result": {"mode": "run", "event": "echo", "clients": 50, "inflight": 1, "duration_s": 10,
                           "acks": acks * 10, "acks_per_s": acks, "p50_us": p50, "p99_us": p99,
                           "p999_us": p999, "max_us": p999 * 2, "errors": 0, "server_cpu_s": cpu * acks / 1000,
                           "server_cpu_s_per_10k_acks": cpu},
            })
            records.append({
                "scenario": "idle-1000", "server": server, "round": r, "position": pos, "order": rotated,
                "port": 41000 + pos, "ok": True, "error": None,
                "result": {"mode": "idle", "clients": 1000, "rss_before_kib": 5000,
                           "rss_after_kib": 5000 + idle[server][r - 1] * 1000,
                           "rss_per_client_kib": idle[server][r - 1], "connected": 1000},
            })
            records.append({
                "scenario": "delayed-10000", "server": server, "round": r, "position": pos, "order": rotated,
                "port": 42000 + pos, "ok": True, "error": None,
                "result": {"mode": "delayed", "clients": 10000, "event": "findAllAaa",
                           "lateness_p50_ms": delayed[server][r - 1], "lateness_p99_ms": delayed[server][r - 1] * 10,
                           "rss_during_kib": 100000, "threads_during": 2},
            })
    records.append({"scenario": "echo-c50-w1", "server": "nest", "round": 4, "position": 1,
                    "order": order, "port": 1, "ok": False, "error": "the server did not start", "result": None})
    return records


def sample_flood_records() -> list[dict]:
    """Three rounds of two floods against gatesmith and handwritten."""
    records = []
    # server -> flood -> per round (p99 without, p99 with, polite lost, disconnected, peak RSS growth KiB)
    figures = {
        "gatesmith": {
            "flood-200k": [(150, 600, 0, 0, 300), (160, 900, 0, 0, 340), (155, 700, 0, 0, 320)],
            "flood-1m": [(150, 700, 0, 0, 330), (150, 800, 0, 0, 330), (150, 600, 0, 0, 360)],
        },
        "handwritten": {
            "flood-200k": [(150, 3000, 0, 0, 80000), (150, 450, 1, 0, 82000), (150, 600, 0, 1, 81000)],
            "flood-1m": [(150, 900, 0, 0, 330000), (150, 600, 0, 0, 320000), (150, 700, 0, 0, 325000)],
        },
    }
    for name, messages in (("flood-200k", 200_000), ("flood-1m", 1_000_000)):
        for r in range(1, 4):
            for pos, server in enumerate(("gatesmith", "handwritten"), 1):
                without, with_, lost, disconnected, growth = figures[server][name][r - 1]
                records.append({
                    "scenario": name, "mode": "flood", "server": server, "round": r, "position": pos,
                    "order": ["gatesmith", "handwritten"], "port": 43000 + pos, "ok": True, "error": None,
                    "result": {"mode": "flood", "event": "removeAaa", "clients": 10, "messages": messages,
                               "p99_us_without": without, "p99_us_with": with_,
                               "p99_ratio": round(with_ / without, 2), "p50_us_without": 80, "p50_us_with": 400,
                               "acks_per_s_without": 100000.0, "acks_per_s_with": 20000.0, "acks_lost": lost,
                               "disconnected": disconnected, "errors": disconnected, "flood_s": 0.5,
                               "flood_acks_lost": 0, "rss_peak_growth_kib": growth, "duration_s": 10,
                               "with_window_s": 0.5, "others_cpu_s_without": 1.0 * r, "others_cpu_s_with": 0.1},
                })
    return records


def self_test() -> int:
    passed = failed = 0

    def check(name: str, condition: bool, detail: str = "") -> None:
        nonlocal passed, failed
        if condition:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name} {detail}", file=sys.stderr)

    machine = {"date_utc": "20260101T000000Z", "nproc": "2", "cpu_model": "Test CPU", "kernel": "Linux 6.1",
               "rustc": "rustc 1.95.0", "node": "v20.20.2", "nest": {"@nestjs/core": "12.5.1"},
               "rounds": 3, "duration_s": 10, "warmup_s": 2, "server_cpu": 0, "loadgen_cpu": 1}
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "raw.jsonl"), "w") as f:
            for rec in sample_records():
                f.write(json.dumps(rec) + "\n")
            f.write("not json\n")
        with open(os.path.join(tmp, "machine.json"), "w") as f:
            json.dump(machine, f)
        import contextlib
        import io

        with contextlib.redirect_stderr(io.StringIO()) as warnings:
            records, loaded_machine = load(tmp)
        check("warns of a line that is not JSON", "raw.jsonl:29: not JSON" in warnings.getvalue(), warnings.getvalue())
        check("loads every JSON line, skips the rest", len(records) == 28, str(len(records)))
        check("loads machine.json", loaded_machine == machine)
        with contextlib.redirect_stderr(io.StringIO()):
            check("loads a raw.jsonl path too", len(load(os.path.join(tmp, "raw.jsonl"))[0]) == 28)
        md = summarize(records, loaded_machine)
    lines = md.splitlines()

    def row(*cells: str) -> str | None:
        prefix = "| " + " | ".join(cells) + " |"
        hits = [l for l in lines if l.startswith(prefix)]
        return hits[0] if len(hits) == 1 else None

    check("machine header", "- CPU: Test CPU (2 CPUs)" in lines and "- NestJS: @nestjs/core 12.5.1" in lines, md)
    check("no adapter line in memory", not any(l.startswith("- adapter:") for l in lines), md)
    redis_md = summarize(records, {**loaded_machine, "redis": True, "redis_server": "7.0.15"})
    check("the adapter line on Redis",
          "- adapter: Redis (redis-server 7.0.15, on CPU 0 with the server) for gatesmith and handwritten"
          in redis_md.splitlines(), redis_md)
    check("run table header", "| scenario | server | acks/s | p50 µs | p99 µs | p99.9 µs | CPU s / 10k acks | errors (sum) | runs |" in lines, md)
    # Medians: gatesmith acks 40000/42000/41000 -> 41000; p99 900/800/1000 -> 900; cpu -> 0.29.
    check("gatesmith run medians", row("echo-c50-w1", "gatesmith (generated)", "41 000", "200", "900", "1 500", "0.290", "0", "3") is not None, md)
    check("nest run medians and failed count", row("echo-c50-w1", "NestJS", "11 000", "850", "3 500", "8 500", "1.100", "0", "3 (+1 failed)") is not None, md)
    check("idle medians", row("idle-1000", "gatesmith (generated)", "11.0", "5 000", "16 000", "1 000", "3") is not None, md)
    check("delayed fields found", row("scenario", "server", "lateness_p50_ms", "lateness_p99_ms", "rss_during_kib", "threads_during", "runs") is not None, md)
    check("delayed medians", row("delayed-10000", "NestJS", "6", "60", "100 000", "2", "3") is not None, md)
    # Ratios per round: acks/s vs handwritten 40/44, 42/40, 41/41 -> 0.91, 1.05, 1.00; median 1.00.
    check("acks ratio vs handwritten", row("echo-c50-w1", "acks/s", "handwritten", "0.91", "1.05", "1.00", "1.00") is not None, md)
    # vs nest: 40/10, 42/12, 41/11 -> 4.00, 3.50, 3.73; median 3.73.
    check("acks ratio vs nest", row("echo-c50-w1", "acks/s", "nest", "4.00", "3.50", "3.73", "3.73") is not None, md)
    # p99 vs nest: 900/4000, 800/3000, 1000/3500 -> 0.23, 0.27, 0.29.
    check("p99 ratio vs nest", row("echo-c50-w1", "p99 µs", "nest", "0.23", "0.27", "0.29", "0.27") is not None, md)
    # Only rounds with results are columns (the failed run was round 4).
    check("ratio columns are the rounds with results", "| scenario | metric | vs | r1 | r2 | r3 | median |" in lines, md)
    check("no ratio for the RSS before", not any(l.startswith("| idle-1000 | RSS before KiB |") for l in lines), md)
    check("idle ratio", row("idle-1000", "RSS / client KiB", "nest", "0.25", "0.24", "0.25", "0.25") is not None, md)
    check("delayed ratio", row("delayed-10000", "lateness_p50_ms", "handwritten", "1.00", "2.00", "1.50", "1.50") is not None, md)
    check("median ratios", row("echo-c50-w1", "acks/s", "1.00", "3.73") is not None, md)
    check("median ratio header", "| scenario | metric | gatesmith / handwritten | gatesmith / nest |" in lines, md)
    failed_only = summarize([{"scenario": "delayed-10000", "mode": "delayed", "server": s, "round": 1, "ok": False,
                              "error": "x", "result": None} for s in SERVER_ORDER], {})
    check("a scenario whose runs all failed keeps its mode",
          "## Delayed emissions (medians over rounds)" in failed_only
          and "| delayed-10000 | NestJS | 0 (+1 failed) |" in failed_only, failed_only)
    check("failures listed", any(l.startswith("1 failed run(s) left out: echo-c50-w1/nest ×1") for l in lines), md)
    check("median helper ignores None", median([None, 3, 1, 2]) == 2 and median([None]) is None)
    check("ratio of zero is none", ratio(1, 0) is None and ratio(None, 1) is None and ratio(3, 2) == 1.5)
    check("empty input", summarize([], {}).strip() == "No runs recorded.")

    flood_md = summarize(sample_flood_records(), {})
    flood_lines = flood_md.splitlines()

    def flood_row(*cells: str) -> str | None:
        prefix = "| " + " | ".join(cells) + " |"
        hits = [l for l in flood_lines if l.startswith(prefix)]
        return hits[0] if len(hits) == 1 else None

    check("flood section", "## Containment: one client floods (medians over rounds)" in flood_lines, flood_md)
    # gatesmith flood-200k: p99 without 150/160/155 -> 155; with 600/900/700 -> 700; ratios 4.0, 5.62, 4.52 -> 4.52.
    check("flood medians", flood_row("flood-200k", "gatesmith (generated)", "155", "700", "4.52", "80", "400",
                                     "100 000", "20 000", "0", "0", "0.50", "0", "320", "20", "20", "3") is not None, flood_md)
    check("flood sums", flood_row("flood-200k", "handwritten (socketioxide)", "150", "600", "4.00") is not None
          and "| 1 | 1 | 0.50 | 0 | 81 000 | 20 | 20 | 3 |" in flood_md, flood_md)
    check("p99 target per round", flood_row("flood-200k", "gatesmith (generated)", "4.00 5.62 4.52 → 4.52",
                                            "2 of 3 rounds; median met", "0 met", "0 met") is not None, flood_md)
    check("lost and disconnected missed", flood_row("flood-200k", "handwritten (socketioxide)",
                                                    "20.00 3.00 4.00 → 4.00", "2 of 3 rounds; median met",
                                                    "1 **missed**", "1 **missed**") is not None, flood_md)
    # RSS: gatesmith 330/300, 330/340, 360/320 -> 1.10, 0.97, 1.12; median 1.10: within 10 %.
    check("RSS growth ratio", flood_row("gatesmith (generated)", "300 340 320", "330 330 360",
                                        "1.10 0.97 1.12 → 1.10", "2 of 3 rounds; median met") is not None, flood_md)
    check("RSS growth that grows with the flood", flood_row("handwritten (socketioxide)", "80 000 82 000 81 000",
                                                            "330 000 320 000 325 000", "4.12 3.90 4.01 → 4.01",
                                                            "0 of 3 rounds; median **missed**") is not None, flood_md)
    # 330/330000, 330/320000, 360/325000.
    check("small ratios keep their digits", flood_row("flood-1m", "peak RSS growth KiB", "handwritten",
                                                      "0.0010", "0.0010", "0.0011", "0.0010") is not None, flood_md)

    # The command line: a directory in, summary on stdout.
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "raw.jsonl"), "w") as f:
            f.write(json.dumps(sample_records()[0]) + "\n")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main([tmp])
        check("main prints a table", code == 0 and "| echo-c50-w1 | gatesmith (generated) |" in buf.getvalue(), buf.getvalue())

    print(f"summarize self-test: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr if len(argv) != 1 else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    records, machine = load(argv[0])
    print(summarize(records, machine), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
