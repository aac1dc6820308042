"""The directly-follows graph and the variants of an event log of BENCH_JOURNEYS_EVENTS events
(default 10,000,000) over BENCH_JOURNEYS_CASES cases (default 300,000), in one run:

- **CX Pilot**: ``dfg`` and ``variants`` of ``cxpilot.journeys.flows`` on
  ``event_log(interactions, case="record")``, the events in the warehouse's ``interactions``
  table (a DuckDB file of a temporary ``CXPILOT_HOME``);
- **the floor**: the same two results in DuckDB SQL written by hand on the same table (a
  ``lead()`` window and a grouping with ``count``, ``median`` and ``quantile_cont``; the
  paths with ``list(… ORDER BY …)`` and a grouping);
- **pm4py** (``format_dataframe`` + ``discover_dfg`` + ``get_variants``) on the same events
  as a pandas DataFrame already in memory, sorted by case, timestamp and event id (the load
  is timed apart).

The three must agree on every edge count, start and end count and variant count. CX Pilot
and the floor run alternately BENCH_REPEAT times (default 2), the best time of each is kept;
pm4py runs once. Wall-clock seconds, and the CPU seconds of the process (all its threads:
steadier than the wall clock on a busy machine, not a measure of elapsed time). Quick check: ``BENCH_JOURNEYS_EVENTS=200000 BENCH_JOURNEYS_CASES=6000``.

The log: 15 touchpoints; each case's length is 1 + a multinomial share of the remaining
events (weights drawn from a gamma law, so lengths vary from 1 to a few hundred); its first
touchpoint drawn from a start law, each next one from a random transition matrix (Markov
chain, with repeats); its first event at a uniform time over two years, each next one a
whole number of seconds later (exponential, mean a day), 10 % at the same second (ties,
broken by the event id, which is a random permutation of the event numbers).

Run: ``python bench/run.py journeys``; writes ``bench/results/journeys.json``.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from provenance import commit  # bench/ is the folder of the script run

ROOT = Path(__file__).resolve().parent.parent
TOUCHPOINTS = [
    "website",
    "app",
    "newsletter",
    "search_ad",
    "store",
    "order",
    "payment",
    "delivery",
    "lost_parcel",
    "click_collect",
    "return",
    "call_centre",
    "chat",
    "email_support",
    "survey",
]
CHANNELS = {
    "store": "store",
    "click_collect": "store",
    "call_centre": "phone",
    "chat": "chat",
    "email_support": "email",
}


def make_log(events: int, cases: int, seed: int = 15) -> pa.Table:
    """The ``interactions`` rows of the bench (see the module docstring)."""
    rng = np.random.default_rng(seed)
    k = len(TOUCHPOINTS)
    weights = rng.gamma(1.5, 1.0, cases)
    lengths = 1 + rng.multinomial(events - cases, weights / weights.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    start_law = rng.dirichlet(np.full(k, 0.8))
    moves = rng.dirichlet(np.full(k, 0.3), size=k) + np.eye(k) * 0.15
    moves = np.cumsum(moves / moves.sum(axis=1, keepdims=True), axis=1)
    state = rng.choice(k, cases, p=start_law)
    activity = np.empty(events, dtype=np.int8)
    alive = np.arange(cases)
    for step in range(int(lengths.max())):
        alive = alive[lengths[alive] > step]
        if step:
            u = rng.random(alive.size)
            state[alive] = np.minimum((u[:, None] > moves[state[alive]]).sum(axis=1), k - 1)
        activity[starts[alive] + step] = state[alive]
    gaps = rng.exponential(86400.0, events).astype(np.int64)
    gaps[rng.random(events) < 0.10] = 0
    case_of = np.repeat(np.arange(cases), lengths)
    gaps[starts] = rng.integers(0, 2 * 365 * 86400, cases)
    seconds = np.cumsum(gaps)
    seconds -= np.repeat(seconds[starts] - gaps[starts], lengths)  # restart at each case
    stamps = np.datetime64("2024-01-01T00:00:00", "us") + (seconds * 1_000_000).astype(
        "timedelta64[us]"
    )
    number = pc.cast(pa.array(rng.permutation(events)), pa.string())
    ids = pc.binary_join_element_wise("e", pc.utf8_lpad(number, 9, "0"), "")
    customers = pc.binary_join_element_wise(
        "c", pc.utf8_lpad(pc.cast(pa.array(case_of), pa.string()), 7, "0"), ""
    )
    names = pa.array(TOUCHPOINTS).take(pa.array(activity))
    channel = pa.array([CHANNELS.get(t, "web") for t in TOUCHPOINTS]).take(pa.array(activity))
    return pa.table(
        {
            "event_id": ids,
            "customer_id": customers,
            "touchpoint": names,
            "timestamp": pa.array(stamps),
            "source": pa.array(np.full(events, "bench")),
            "channel": channel,
            "type": names,
        }
    )


DFG_SQL = """
WITH steps AS (
    SELECT touchpoint AS source,
           lead(touchpoint) OVER w AS target,
           epoch(lead(timestamp) OVER w) - epoch(timestamp) AS gap,
           row_number() OVER w = 1 AS first
    FROM interactions
    WINDOW w AS (PARTITION BY source, customer_id ORDER BY timestamp, event_id)
)
SELECT source, target, count(*) AS count, sum(first::INT) AS starts,
       median(gap) AS median_seconds, quantile_cont(gap, 0.9) AS p90_seconds
FROM steps GROUP BY ALL
"""

VARIANTS_SQL = """
WITH paths AS (
    SELECT list(touchpoint ORDER BY timestamp, event_id) AS path
    FROM interactions GROUP BY source, customer_id
)
SELECT path, count(*) AS count FROM paths GROUP BY path ORDER BY count DESC, path
"""


def floor(raw: Any) -> tuple[Any, Any]:
    return raw.sql(DFG_SQL).to_arrow_table(), raw.sql(VARIANTS_SQL).to_arrow_table()


def cxpilot() -> tuple[Any, Any]:
    from cxpilot.journeys.flows import dfg, variants
    from cxpilot.journeys.log import event_log
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        log = event_log(con.table("interactions"), case="record")
        return dfg(log), variants(log)


def pm4py_run(df: Any) -> tuple[dict[str, float], Any, Any, Any, Any]:
    import pm4py

    steps: dict[str, float] = {}
    cpu = time.process_time()
    start = time.perf_counter()
    log = pm4py.format_dataframe(
        df, case_id="customer_id", activity_key="touchpoint", timestamp_key="timestamp"
    )
    steps["format"] = time.perf_counter() - start
    start = time.perf_counter()
    graph, starts, ends = pm4py.discover_dfg(log)
    steps["dfg"] = time.perf_counter() - start
    start = time.perf_counter()
    found = pm4py.get_variants(log)
    steps["variants"] = time.perf_counter() - start
    steps["cpu"] = time.process_time() - cpu
    return steps, graph, starts, ends, found


def _check(ours: Any, sql: tuple[Any, Any], peer: tuple[Any, Any, Any, Any]) -> None:
    """Every edge, start, end and variant count the same in the three."""
    graph, found = ours
    edges = {(e["source"], e["target"]): e["count"] for e in graph.edges}
    rows = sql[0].to_pylist()
    sql_edges = {(r["source"], r["target"]): r["count"] for r in rows if r["target"] is not None}
    sql_ends = {r["source"]: r["count"] for r in rows if r["target"] is None}
    sql_starts: dict[str, int] = {}
    for r in rows:
        if r["starts"]:
            sql_starts[r["source"]] = sql_starts.get(r["source"], 0) + r["starts"]
    p_graph, p_starts, p_ends, p_variants = peer
    assert edges == sql_edges == {k: int(v) for k, v in p_graph.items()}, "edges differ"
    assert graph.starts == sql_starts == {k: int(v) for k, v in p_starts.items()}, "starts differ"
    assert graph.ends == sql_ends == {k: int(v) for k, v in p_ends.items()}, "ends differ"
    ours_v = {tuple(v["path"]): v["count"] for v in found}
    sql_v = {tuple(r["path"]): r["count"] for r in sql[1].to_pylist()}
    peer_v = {tuple(k): (len(v) if isinstance(v, list) else int(v)) for k, v in p_variants.items()}
    assert ours_v == sql_v == peer_v, "variants differ"


def run() -> dict[str, Any]:
    events = int(os.environ.get("BENCH_JOURNEYS_EVENTS", "10000000"))
    cases = int(os.environ.get("BENCH_JOURNEYS_CASES", "300000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "2"))
    home = Path(tempfile.mkdtemp(prefix="cxpilot-bench-"))
    os.environ["CXPILOT_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxpilot.settings"
    from cxpilot.kernel.cli import setup

    setup()
    from cxpilot.warehouse.connection import warehouse
    from cxpilot.warehouse.ingest import load_arrow

    start = time.perf_counter()
    table = make_log(events, cases)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    load_arrow(table="interactions", data=table, replace=True)
    loaded = time.perf_counter() - start
    code, load_before = commit(), os.getloadavg()[0]
    ours_times: list[float] = []
    floor_times: list[float] = []
    ours_cpu: list[float] = []
    floor_cpu: list[float] = []
    with warehouse() as con:
        raw = con.con
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            sql = floor(raw)
            floor_times.append(time.perf_counter() - start)
            floor_cpu.append(time.process_time() - cpu)
            start, cpu = time.perf_counter(), time.process_time()
            ours = cxpilot()
            ours_times.append(time.perf_counter() - start)
            ours_cpu.append(time.process_time() - cpu)
        start = time.perf_counter()
        df = raw.sql(
            "SELECT event_id, customer_id, touchpoint, timestamp FROM interactions "
            "ORDER BY customer_id, timestamp, event_id"
        ).df()
        pandas_load = time.perf_counter() - start
    del table
    peer_steps, p_graph, p_starts, p_ends, p_variants = pm4py_run(df)
    _check(ours, sql, (p_graph, p_starts, p_ends, p_variants))
    best_ours, best_floor = min(ours_times), min(floor_times)
    peer_cpu = peer_steps.pop("cpu")
    peer = sum(peer_steps.values())
    return {
        "benchmark": "directly-follows graph + variants of an event log",
        "events": events,
        "cases": cases,
        "edges": len(ours[0].edges),
        "variants": len(ours[1]),
        "agree": "edge, start, end and variant counts equal in CX Pilot, DuckDB SQL and pm4py",
        "cxpilot_seconds": round(best_ours, 3),
        "cxpilot_runs": [round(s, 3) for s in ours_times],
        "duckdb_sql_seconds": round(best_floor, 3),
        "duckdb_sql_runs": [round(s, 3) for s in floor_times],
        "pm4py_seconds": round(peer, 3),
        "pm4py_steps": {k: round(v, 3) for k, v in peer_steps.items()},
        "pm4py_pandas_load_seconds": round(pandas_load, 3),
        "ratio_cxpilot_over_sql": round(best_ours / best_floor, 2),
        "ratio_pm4py_over_cxpilot": round(peer / best_ours, 2),
        "cpu_seconds": {
            "cxpilot": round(min(ours_cpu), 3),
            "duckdb_sql": round(min(floor_cpu), 3),
            "pm4py": round(peer_cpu, 3),
        },
        "cpu_ratio_cxpilot_over_sql": round(min(ours_cpu) / min(floor_cpu), 2),
        "cpu_ratio_pm4py_over_cxpilot": round(peer_cpu / min(ours_cpu), 2),
        "generate_seconds": round(generated, 2),
        "load_seconds": round(loaded, 2),
        "cxpilot": {"git_commit": code},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "note": "pm4py timed on a pandas DataFrame already in memory and sorted (its load apart); "
        "CX Pilot and the SQL read the DuckDB file; best of the alternated runs",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
