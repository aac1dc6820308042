"""DuckDB against a local Apache Spark session on the same data, in one run: the NPS cube
(NPS by touchpoint × month, with its promoters, passives and detractors) over
BENCH_SPARK_ROWS survey answers, and the directly-follows graph of BENCH_SPARK_ROWS
interactions (default 100,000,000 of each) over BENCH_SPARK_CUSTOMERS customers (default
one for every 20 interactions: 5,000,000).

Both engines run the product's own code: ``metric_groups(metric="nps", by=["touchpoint",
"month"], customers=False)`` of ``cxpilot.analytics.metrics`` (the Ibis expression of
``_sums``, finished in Python) and ``dfg(event_log(interactions, case="record"))`` of
``cxpilot.journeys`` (a window over each customer's events in time order, then a grouping
with the count, the starts, and the exact median and 90th percentile of the gaps), each
through the warehouse connection of ``CXPILOT_WAREHOUSE_URL``, switched between a DuckDB
file (``duckdb://``) and a local Spark session (``pyspark://DIR?master=local[*]``, built by
``cxpilot.warehouse.spark``).

The data: generated in chunks of BENCH_SPARK_CHUNK rows (default 5,000,000) with numpy and
pyarrow into Parquet files (Snappy, the columns of the warehouse's ``responses`` and
``interactions`` tables), never whole in memory. Loaded:

- **DuckDB**: ``CREATE OR REPLACE TABLE … AS SELECT * FROM read_parquet(…)``: a copy in
  DuckDB's own file (the warehouse); and, apart, the same queries on a **view** over the
  Parquet files (``duckdb_parquet``), the data read where Spark reads it;
- **Spark**: ``CREATE TABLE … USING parquet LOCATION …``: an external table of the Hive
  metastore over the same files (no copy; the load is the catalogue entry and the footers
  read for the schema; the first one also creates the metastore). The session's start and
  the warehouse's connection (its other tables created, empty) are timed apart too.

The load is timed apart from the queries. Each query: best of BENCH_REPEAT (default 1).
Both engines are given the same memory: BENCH_SPARK_MEMORY (default 6g) as Spark's driver
memory (a local session runs its executors in the driver) and as DuckDB's
``memory_limit``; both use every core (DuckDB's threads, ``local[*]``).

The results must agree: the same groups and counts (n, promoters, passives, detractors) and
NPS to 1e-9; the same edges, starts and ends with the same counts, and medians and 90th
percentiles to 1e-9. Otherwise the run fails.

The answers: 60 % NPS (0–10), 20 % CES (1–7), 20 % CSAT (1–5), 12 touchpoints, uniform over
two years. The interactions: each customer has 1 + a multinomial share of the remaining
events (about 20 each), its first of 12 activities drawn from a start law and each next one
from a random transition matrix (a Markov chain, with repeats), its first event at a
uniform time over two years and each next one a whole number of seconds later
(exponential, mean a day; 10 % at the same second, ties broken by the event id).

Run: ``python bench/run.py spark`` (writes ``bench/results/spark.json``); a quick check:
``BENCH_SPARK_ROWS=1000000 python bench/run.py spark``. Needs pyspark and Java 17, and
free disk for the Parquet files and DuckDB's copy (about 5 GB at 100 M rows of each, see
``parquet_bytes`` in the results); the temporary directory is removed at the end
(BENCH_SPARK_KEEP=1 keeps it).
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from provenance import commit  # bench/ is the folder of the script run

ROOT = Path(__file__).resolve().parent.parent
ACTIVITIES = [
    "website",
    "app",
    "newsletter",
    "search_ad",
    "store",
    "order",
    "payment",
    "delivery",
    "return",
    "call_centre",
    "chat",
    "survey",
]
CHANNELS = {"store": "store", "call_centre": "phone", "chat": "chat"}
START = np.datetime64("2024-01-01T00:00:00", "us")
TWO_YEARS = 2 * 365 * 86400


def _schema(name: str) -> pa.Schema:
    from cxpilot.warehouse.schema import TABLES

    return TABLES[name].ibis_schema().to_pyarrow()


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _stamps(seconds: np.ndarray) -> pa.Array:
    return pa.array(START + (seconds * 1_000_000).astype("timedelta64[us]"))


def _full(schema: pa.Schema, columns: dict[str, pa.Array], rows: int) -> pa.Table:
    """A table of ``schema``: ``columns``, and nulls in every other column."""
    return pa.table(
        [columns.get(f.name, pa.nulls(rows, f.type)).cast(f.type) for f in schema],
        schema=schema,
    )


def responses_chunk(first: int, rows: int, customers: int, seed: int) -> pa.Table:
    """Answers ``first`` … ``first + rows - 1`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    metric = np.array(["nps", "ces", "csat"])[rng.choice(3, rows, p=[0.6, 0.2, 0.2])]
    score = np.where(
        metric == "nps",
        rng.integers(0, 11, rows),
        np.where(metric == "ces", rng.integers(1, 8, rows), rng.integers(1, 6, rows)),
    )
    columns = {
        "response_id": _ids("r", np.arange(first, first + rows), 10),
        "customer_id": _ids("c", rng.integers(0, customers, rows), 8),
        "touchpoint": pa.array(np.array(ACTIVITIES)[rng.integers(0, len(ACTIVITIES), rows)]),
        "timestamp": _stamps(rng.integers(0, TWO_YEARS, rows)),
        "metric": pa.array(metric),
        "score": pa.array(score),
        "source": pa.array(np.full(rows, "bench")),
        "channel": pa.array(np.full(rows, "email")),
    }
    return _full(_schema("responses"), columns, rows)


def interactions_chunk(
    first_event: int, events: int, first_case: int, cases: int, seed: int
) -> pa.Table:
    """``events`` interactions of the customers ``first_case`` … (see the module docstring)."""
    rng = np.random.default_rng(seed)
    k = len(ACTIVITIES)
    law = np.random.default_rng(7)  # the same chain in every chunk
    start_law = law.dirichlet(np.full(k, 0.8))
    moves = law.dirichlet(np.full(k, 0.3), size=k) + np.eye(k) * 0.15
    moves = np.cumsum(moves / moves.sum(axis=1, keepdims=True), axis=1)
    lengths = 1 + rng.multinomial(events - cases, np.full(cases, 1.0 / cases))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
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
    gaps[starts] = rng.integers(0, TWO_YEARS, cases)
    seconds = np.cumsum(gaps)
    seconds -= np.repeat(seconds[starts] - gaps[starts], lengths)  # restart at each customer
    names = pa.array(ACTIVITIES).take(pa.array(activity))
    columns = {
        "event_id": _ids("e", first_event + rng.permutation(events), 10),
        "customer_id": _ids("c", first_case + np.repeat(np.arange(cases), lengths), 8),
        "touchpoint": names,
        "timestamp": _stamps(seconds),
        "source": pa.array(np.full(events, "bench")),
        "channel": pa.array([CHANNELS.get(a, "web") for a in ACTIVITIES]).take(pa.array(activity)),
        "type": names,
    }
    return _full(_schema("interactions"), columns, events)


def generate(folder: Path, rows: int, customers: int, chunk: int) -> dict[str, Any]:
    """The Parquet files of both tables under ``folder``; returns their sizes."""
    for name in ("responses", "interactions"):
        (folder / name).mkdir(parents=True)
    parts = max(1, -(-rows // chunk))
    done_rows = done_cases = 0
    for i in range(parts):
        n = rows // parts + (1 if i < rows % parts else 0)
        cases = customers // parts + (1 if i < customers % parts else 0)
        part = f"part-{i:05d}.parquet"
        pq.write_table(
            responses_chunk(done_rows, n, customers, 1000 + i), folder / "responses" / part
        )
        pq.write_table(
            interactions_chunk(done_rows, n, done_cases, cases, 2000 + i),
            folder / "interactions" / part,
        )
        done_rows += n
        done_cases += cases
    sizes = {
        name: sum(p.stat().st_size for p in (folder / name).glob("*.parquet"))
        for name in ("responses", "interactions")
    }
    return {
        "parquet_files": parts,
        "parquet_bytes": sizes,
        "parquet_bytes_per_row": {k: round(v / rows, 2) for k, v in sizes.items()},
    }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def cube() -> list[dict[str, Any]]:
    from cxpilot.analytics.metrics import metric_groups

    return metric_groups(metric="nps", by=["touchpoint", "month"], customers=False)


def graph() -> Any:
    from cxpilot.journeys.flows import dfg
    from cxpilot.journeys.log import event_log
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        return dfg(event_log(con.table("interactions"), case="record"))


def use(url: str) -> None:
    """Point this process's warehouse at ``url`` (the next use connects to it)."""
    from django.conf import settings

    from cxpilot.warehouse.connection import close

    close()
    settings.CXPILOT_WAREHOUSE_URL = url


def measure(repeat: int, rows: int) -> dict[str, Any]:
    """Both computations on the current warehouse: times and results."""
    out: dict[str, Any] = {}
    for name, fn in (("nps_cube", cube), ("dfg", graph)):
        times, result = timed(fn, repeat)
        out[name] = {
            "seconds": round(min(times), 3),
            "runs": [round(t, 3) for t in times],
            "rows_per_second": round(rows / min(times)),
            "result": result,
        }
    return out


def check_cube(a: list[dict[str, Any]], b: list[dict[str, Any]], names: str) -> None:
    keys = ("touchpoint", "month")
    left = {tuple(r[k] for k in keys): r for r in a}
    right = {tuple(r[k] for k in keys): r for r in b}
    if left.keys() != right.keys():
        raise AssertionError(f"NPS cube: {names} differ in their groups")
    for key, row in left.items():
        other = right[key]
        for field in ("n", "promoters", "passives", "detractors"):
            if row[field] != other[field]:
                raise AssertionError(f"NPS cube {key}: {names} differ in {field}")
        # the rounded score of the product's rows, and the exact one from the counts
        exact = [100 * (r["promoters"] - r["detractors"]) / r["n"] for r in (row, other)]
        if abs(row["score"] - other["score"]) > 1e-9 or abs(exact[0] - exact[1]) > 1e-9:
            raise AssertionError(f"NPS cube {key}: {names} differ in the NPS")


def check_dfg(a: Any, b: Any, names: str) -> None:
    if a.starts != b.starts or a.ends != b.ends or (a.cases, a.events) != (b.cases, b.events):
        raise AssertionError(f"DFG: {names} differ in the starts, ends, cases or events")
    left = {(e["source"], e["target"]): e for e in a.edges}
    right = {(e["source"], e["target"]): e for e in b.edges}
    if left.keys() != right.keys():
        raise AssertionError(f"DFG: {names} differ in their edges")
    for key, edge in left.items():
        other = right[key]
        if edge["count"] != other["count"]:
            raise AssertionError(f"DFG {key}: {names} differ in the count")
        for field in ("median_seconds", "p90_seconds"):
            if abs(edge[field] - other[field]) > 1e-9:
                raise AssertionError(f"DFG {key}: {names} differ in {field}")


def _size(memory: str) -> str:
    """Spark's ``6g`` as DuckDB's ``6GB``."""
    return memory.upper().rstrip("B") + "B"


def run() -> dict[str, Any]:
    rows = int(os.environ.get("BENCH_SPARK_ROWS", "100000000"))
    customers = int(os.environ.get("BENCH_SPARK_CUSTOMERS", str(max(1, rows // 20))))
    chunk = int(os.environ.get("BENCH_SPARK_CHUNK", "5000000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "1"))
    memory = os.environ.get("BENCH_SPARK_MEMORY", "6g")
    keep = os.environ.get("BENCH_SPARK_KEEP") == "1"
    folder = Path(tempfile.mkdtemp(prefix="cxpilot-bench-spark-"))
    home = folder / "home"
    home.mkdir()
    os.environ["CXPILOT_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxpilot.settings"
    # a local session's executors live in the driver: its heap is the engine's memory
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {memory} pyspark-shell"
    from cxpilot.kernel.cli import setup

    setup()
    from cxpilot.warehouse import spark
    from cxpilot.warehouse.connection import warehouse

    try:
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        data = generate(folder / "data", rows, customers, chunk)
        generated = time.perf_counter() - start
        files = {t: str(folder / "data" / t) for t in ("responses", "interactions")}

        # DuckDB: the warehouse's file
        use(f"duckdb://{home / 'warehouse.duckdb'}")
        with warehouse() as con:
            raw = con.con
            raw.execute(f"SET memory_limit = '{_size(memory)}'")
            start = time.perf_counter()
            for table, path in files.items():
                raw.execute(
                    f"CREATE OR REPLACE TABLE {table} AS "  # noqa: S608 - our own names
                    f"SELECT * FROM read_parquet('{path}/*.parquet')"
                )
            duck_load = time.perf_counter() - start
        duck = measure(repeat, rows)
        with warehouse() as con:
            raw = con.con
            start = time.perf_counter()
            for table, path in files.items():
                raw.execute(f"DROP TABLE {table}")
                raw.execute(
                    f"CREATE VIEW {table} AS "  # noqa: S608 - our own names
                    f"SELECT * FROM read_parquet('{path}/*.parquet')"
                )
            view_load = time.perf_counter() - start
        duck_parquet = measure(repeat, rows)
        use("duckdb://")  # frees the file and its memory

        # Spark: a local session, external tables over the same files
        url = f"pyspark://{folder}?master=local[*]"
        start = time.perf_counter()
        session = spark.session(url, home)
        spark.with_log_level(session)
        started = time.perf_counter() - start
        start = time.perf_counter()
        for table, path in files.items():
            session.sql(f"CREATE TABLE {table} USING parquet LOCATION '{path}'")
        spark_load = time.perf_counter() - start
        use(url)
        start = time.perf_counter()
        with warehouse():  # the Ibis backend and the warehouse's other (empty) tables
            pass
        spark_connect = time.perf_counter() - start
        sparked = measure(repeat, rows)

        engines = {"duckdb": duck, "duckdb_parquet": duck_parquet, "spark": sparked}
        for other in ("duckdb_parquet", "spark"):
            check_cube(duck["nps_cube"]["result"], engines[other]["nps_cube"]["result"], other)
            check_dfg(duck["dfg"]["result"], engines[other]["dfg"]["result"], other)
        groups = len(duck["nps_cube"]["result"])
        edges = len(duck["dfg"]["result"].edges)
        for found in engines.values():
            for item in found.values():
                del item["result"]
        ratios = {
            name: {
                "spark_over_duckdb": round(sparked[name]["seconds"] / duck[name]["seconds"], 2),
                "spark_over_duckdb_parquet": round(
                    sparked[name]["seconds"] / duck_parquet[name]["seconds"], 2
                ),
            }
            for name in ("nps_cube", "dfg")
        }
        return {
            "benchmark": "NPS cube and directly-follows graph, DuckDB against local Spark",
            "rows": rows,
            "customers": customers,
            "nps_cube_groups": groups,
            "dfg_edges": edges,
            "agree": "same groups, counts and NPS (1e-9); same edges, starts, ends, counts, "
            "medians and p90s (1e-9) in the three",
            **data,
            "generate_seconds": round(generated, 1),
            "load_seconds": {
                "duckdb_table": round(duck_load, 2),
                "duckdb_parquet_views": round(view_load, 3),
                "spark_external_tables": round(spark_load, 2),
                "spark_session_start": round(started, 2),
                "spark_warehouse_connect": round(spark_connect, 2),
            },
            "seconds": {
                name: {engine: found[name] for engine, found in engines.items()}
                for name in ("nps_cube", "dfg")
            },
            "ratios": ratios,
            "memory": memory,
            "repeat": repeat,
            "cxpilot": {"git_commit": commit()},
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
            "load_average": {
                "before": round(load_before, 2),
                "after": round(os.getloadavg()[0], 2),
            },
            "note": "rows/s: rows of the table read (answers for the cube, interactions for the "
            "DFG). DuckDB reads its own file (duckdb) or the Parquet files (duckdb_parquet), "
            "Spark the Parquet files through external tables. Both engines share the machine "
            "with other work: see load_average",
        }
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
