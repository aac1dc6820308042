"""Import throughput: `cxpilot import responses` (read + validate + write to DuckDB) against
pandas.read_csv (read only) on the same clean CSV, in the same run.

Rows: BENCH_IMPORT_ROWS (default 1,000,000). Best of BENCH_REPEAT (default 3) runs each.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    touchpoints = np.array(["website", "store", "call_centre", "app"])
    metrics = np.array(["nps", "ces", "csat"])
    metric = metrics[rng.integers(0, 3, rows)]
    high = np.select([metric == "nps", metric == "ces"], [11, 8], 6)
    low = np.where(metric == "nps", 0, 1)
    score = low + (rng.random(rows) * (high - low)).astype(int)
    seconds = rng.integers(0, 2 * 365 * 86400, rows)
    stamps = (np.datetime64("2024-11-01T00:00:00") + seconds.astype("timedelta64[s]")).astype(str)
    verbatims = np.array(
        ["", "Livraison rapide merci", "Late delivery again", "Personnel aimable", ""]
    )
    with path.open("w", encoding="utf-8") as out:
        out.write("response_id,customer_id,touchpoint,timestamp,metric,score,verbatim,language\n")
        ids = np.arange(rows)
        cust = rng.integers(0, rows // 5 + 1, rows)
        tp = touchpoints[rng.integers(0, 4, rows)]
        vb = verbatims[rng.integers(0, 5, rows)]
        chunk = 200_000
        for start in range(0, rows, chunk):
            end = min(start + chunk, rows)
            lines = [
                f"r{i},c{c},{t},{s},{m},{sc},{v},fr"
                for i, c, t, s, m, sc, v in zip(
                    ids[start:end],
                    cust[start:end],
                    tp[start:end],
                    stamps[start:end],
                    metric[start:end],
                    score[start:end],
                    vb[start:end],
                    strict=True,
                )
            ]
            out.write("\n".join(lines) + "\n")


def run() -> dict[str, Any]:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    home = Path(tempfile.mkdtemp(prefix="cxpilot-bench-"))
    os.environ["CXPILOT_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxpilot.settings"
    from cxpilot.kernel.cli import setup

    setup()
    import pandas as pd

    from cxpilot.organisation.services import org_load
    from cxpilot.warehouse.connection import close
    from cxpilot.warehouse.services import table_import

    org_load(
        data={
            "touchpoints": [
                {"key": k, "name": k} for k in ("website", "store", "call_centre", "app")
            ]
        }
    )
    path = home / "responses.csv"
    make_csv(path, rows)
    size_mb = path.stat().st_size / 1e6

    ours, theirs = [], []
    for attempt in range(repeat):
        start = time.perf_counter()
        pd.read_csv(path)
        theirs.append(time.perf_counter() - start)
        close()
        (home / "warehouse.duckdb").unlink(missing_ok=True)
        start = time.perf_counter()
        report = table_import(table="responses", path=path, source=f"bench{attempt}")
        ours.append(time.perf_counter() - start)
        assert report.rows_added == rows
    best_ours, best_theirs = min(ours), min(theirs)
    return {
        "benchmark": "import responses CSV",
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "cxpilot_import_seconds": round(best_ours, 3),
        "cxpilot_rows_per_second": round(rows / best_ours),
        "pandas_read_csv_seconds": round(best_theirs, 3),
        "pandas_rows_per_second": round(rows / best_theirs),
        "ratio_cxpilot_over_pandas_time": round(best_ours / best_theirs, 2),
        "note": "cxpilot reads, validates every field and writes to DuckDB; pandas only parses",
    }
