"""NPS by touchpoint × month over BENCH_METRICS_ROWS responses (default 10,000,000):
`cxpilot metrics` (Ibis → DuckDB, with SEs, intervals and period tests) against the same
computation in pandas on a DataFrame already in memory, and against a raw DuckDB SQL query
(the floor), in one run. Best of BENCH_REPEAT (default 3).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TOUCHPOINTS = [f"tp{i:02d}" for i in range(13)]


def make_table(rows: int, seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = pc.binary_join_element_wise("r", pc.cast(pa.array(np.arange(rows)), pa.string()), "")
    seconds = rng.integers(0, 2 * 365 * 86400, rows)
    stamps = np.datetime64("2024-11-01T00:00:00", "us") + (seconds * 1_000_000).astype(
        "timedelta64[us]"
    )
    metric = np.array(["nps", "ces", "csat"])[rng.choice(3, rows, p=[0.6, 0.2, 0.2])]
    score = np.where(metric == "nps", rng.integers(0, 11, rows), rng.integers(1, 6, rows))
    return pa.table(
        {
            "response_id": ids,
            "customer_id": pc.binary_join_element_wise(
                "c", pc.cast(pa.array(rng.integers(0, rows // 5, rows)), pa.string()), ""
            ),
            "touchpoint": pa.array(np.array(TOUCHPOINTS)[rng.integers(0, 13, rows)]),
            "timestamp": pa.array(stamps),
            "metric": pa.array(metric),
            "score": pa.array(score),
            "source": pa.array(["bench"] * rows),
        }
    )


def pandas_nps(df: Any) -> Any:
    import numpy as np

    d = df[df["metric"] == "nps"]
    month = d["timestamp"].dt.to_period("M")
    g = d.assign(month=month, p=(d["score"] >= 9), dd=(d["score"] <= 6)).groupby(
        ["touchpoint", "month"], observed=True
    )
    out = g.agg(n=("score", "size"), promoters=("p", "sum"), detractors=("dd", "sum")).reset_index()
    p, q = out["promoters"] / out["n"], out["detractors"] / out["n"]
    out["score"] = 100 * (p - q)
    out["se"] = 100 * np.sqrt(((p + q) - (p - q) ** 2) / out["n"])
    out["ci_low"], out["ci_high"] = out["score"] - 1.96 * out["se"], out["score"] + 1.96 * out["se"]
    return out


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def run() -> dict[str, Any]:
    rows = int(os.environ.get("BENCH_METRICS_ROWS", "10000000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    home = Path(tempfile.mkdtemp(prefix="cxpilot-bench-"))
    os.environ["CXPILOT_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxpilot.settings"
    from cxpilot.kernel.cli import setup

    setup()
    from cxpilot.analytics.metrics import metric_groups
    from cxpilot.warehouse.connection import warehouse
    from cxpilot.warehouse.ingest import load_arrow

    table = make_table(rows)
    load_arrow(table="responses", data=table, replace=True)
    ours, result = best(lambda: metric_groups(metric="nps", by=["touchpoint", "month"]), repeat)
    sql = """
        SELECT touchpoint, strftime(timestamp, '%Y-%m') AS month, count(*) AS n,
               sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters,
               sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors
        FROM responses WHERE metric = 'nps' GROUP BY ALL"""
    with warehouse() as con:
        raw = con.con
        floor, raw_rows = best(lambda: raw.sql(sql).fetch_arrow_table(), repeat)
        start = time.perf_counter()
        df = raw.sql("SELECT * FROM responses").df()
        load = time.perf_counter() - start
    df["touchpoint"] = df["touchpoint"].astype("category")
    pandas_time, pandas_rows = best(lambda: pandas_nps(df), repeat)
    assert len(result) == len(pandas_rows) == raw_rows.num_rows
    return {
        "benchmark": "NPS by touchpoint x month",
        "rows": rows,
        "groups": len(result),
        "cxpilot_seconds": round(ours, 3),
        "pandas_seconds_in_memory": round(pandas_time, 3),
        "pandas_load_seconds": round(load, 3),
        "duckdb_raw_sql_seconds": round(floor, 3),
        "ratio_pandas_over_cxpilot": round(pandas_time / ours, 2),
        "ratio_cxpilot_over_raw_duckdb": round(ours / floor, 2),
        "note": "pandas timed on a DataFrame already in memory (load time apart); cxpilot and raw SQL read the DuckDB file",
    }
