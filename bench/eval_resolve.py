"""The persons found in the demo company against its truth: pairwise precision and recall,
overall and per kind of change.

Run: ``python bench/eval_resolve.py [--customers 20000] [--seed 42]`` with ``src``
importable (prints, and writes ``bench/results/resolve.json`` for the default size and seed).

What is run
- The demo's customer records and their truth come from the pure generator
  (``cxpilot.demo.generator.iter_tables``, stopped once the truth is made): every person is
  in the CRM, 60 % also in the e-shop, 30 % in support, 2 % have a second CRM record, each
  record with its own changes (nickname, typos, no e-mail… ``docs/demo-data.md``).
- The records are loaded into the warehouse of a temporary ``CXPILOT_HOME`` (a fresh app
  database and DuckDB file) and resolved by the service the command runs
  (``cxpilot.customers.services.customers_resolve``: the model fitted without labels, the
  default threshold 0.99, no review decision); the time is that call's.

What is measured
- Pairwise, over the records: a true pair is two records of one true person, a found pair
  two records of one person found. Precision = true pairs found / pairs found, recall = true
  pairs found / true pairs, F1 their harmonic mean.
- Per change (the truth's ``changes`` flags, and ``duplicate_in_source`` for the second CRM
  records): recall over the true pairs with a record carrying that change, precision over
  the found pairs with a record carrying it.
- Persons: how many were found against how many there are, and the share of true persons
  found exactly (the same records, no more, no fewer).
- The same, overall, with the persons drawn again from the run's scored pairs at each of
  :data:`THRESHOLDS` (what a run with ``--threshold`` would find, without scoring again).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "resolve.json"
DEFAULT_CUSTOMERS = 20_000
DEFAULT_SEED = 42
#: Thresholds at which the persons are drawn again from the run's pairs.
THRESHOLDS = (0.5, 0.7, 0.9, 0.95, 0.99)


def _setup(home: str) -> None:
    os.environ["CXPILOT_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _scores(tp: int, found: int, true: int) -> dict[str, Any]:
    precision, recall = _ratio(tp, found), _ratio(tp, true)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else None
    return {
        "true_pairs": true,
        "found_pairs": found,
        "right": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def measure(truth: Any, persons: Any) -> dict[str, Any]:
    """Pairwise scores of ``persons`` (source, customer_id, person_id) against ``truth``."""
    import duckdb

    from cxpilot.demo.generator import CHANGES

    con = duckdb.connect()
    con.register("truth_t", truth)
    con.register("found_t", persons)
    con.execute(
        """
        CREATE TABLE r AS
        SELECT t.source || ':' || t.customer_id AS k, t.person_id AS tp, f.person_id AS fp,
               ',' || coalesce(t.changes, '') || ','
               || CASE WHEN t.duplicate_in_source THEN 'duplicate_in_source,' ELSE '' END AS ch
        FROM truth_t t JOIN found_t f USING (source, customer_id)
        """
    )
    con.execute(
        """
        CREATE TABLE pairs AS
        WITH keys AS (
            SELECT a.k AS ka, b.k AS kb FROM r a JOIN r b ON a.tp = b.tp AND a.k < b.k
            UNION
            SELECT a.k, b.k FROM r a JOIN r b ON a.fp = b.fp AND a.k < b.k
        )
        SELECT ka, kb, a.tp = b.tp AS same_true, a.fp = b.fp AS same_found, a.ch || b.ch AS ch
        FROM keys JOIN r a ON a.k = ka JOIN r b ON b.k = kb
        """
    )

    def counts(where: str = "TRUE") -> tuple[int, int, int]:
        row = con.execute(
            f"""SELECT count(*) FILTER (same_true AND same_found),
                       count(*) FILTER (same_found), count(*) FILTER (same_true)
                FROM pairs WHERE {where}"""  # noqa: S608 - the change names are constants
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    overall = _scores(*counts())
    per_change = {}
    for change in (*CHANGES, "duplicate_in_source"):
        scores = _scores(*counts(f"ch LIKE '%,{change},%'"))
        if scores["true_pairs"] or scores["found_pairs"]:
            per_change[change] = scores
    exact = con.execute(
        """
        WITH t AS (SELECT tp, list(k ORDER BY k) AS ks FROM r GROUP BY tp),
             f AS (SELECT fp, list(k ORDER BY k) AS ks FROM r GROUP BY fp)
        SELECT count(*) FROM t JOIN f USING (ks)
        """
    ).fetchone()
    true_persons = con.execute("SELECT count(DISTINCT tp), count(DISTINCT fp) FROM r").fetchone()
    assert exact is not None and true_persons is not None
    return {
        "overall": overall,
        "per_change": per_change,
        "persons": {
            "true": int(true_persons[0]),
            "found": int(true_persons[1]),
            "found_exactly": int(exact[0]),
            "found_exactly_share": _ratio(int(exact[0]), int(true_persons[0])),
        },
    }


def thresholds(records: Any, truth: Any, pairs: Any) -> list[dict[str, Any]]:
    """The persons drawn again from the same scored pairs at each of :data:`THRESHOLDS`
    (``cxpilot.customers.engine.clusters``, as a run at that threshold would draw them)."""
    import pyarrow as pa

    from cxpilot.customers.engine import clusters

    keys = list(zip(records["source"].to_pylist(), records["customer_id"].to_pylist(), strict=True))
    scored = [
        ((r["source_l"], r["customer_id_l"]), (r["source_r"], r["customer_id_r"]), p)
        for r in pairs.to_pylist()
        for p in [float(r["match_probability"])]
    ]
    out = []
    for threshold in THRESHOLDS:
        rows = [
            (k, str(n)) for n, group in enumerate(clusters(keys, scored, threshold)) for k in group
        ]
        persons = pa.table(
            {
                "source": [k[0] for k, _ in rows],
                "customer_id": [k[1] for k, _ in rows],
                "person_id": [p for _, p in rows],
            }
        )
        found = measure(truth, persons)
        out.append({"threshold": threshold, **found["overall"], "persons": found["persons"]})
    return out


def evaluate(customers: int, seed: int) -> dict[str, Any]:
    from cxpilot.customers.services import customers_resolve
    from cxpilot.demo.generator import iter_tables
    from cxpilot.warehouse.connection import close, warehouse
    from cxpilot.warehouse.ingest import load_arrow

    tables = {}
    for name, table in iter_tables(customers=customers, seed=seed):
        tables[name] = table
        if name == "truth":
            break
    load_arrow(table="customers", data=tables["customers"], replace=True)
    start = time.perf_counter()
    summary = customers_resolve()
    seconds = time.perf_counter() - start
    with warehouse() as con:
        persons = con.table("customer_persons").to_pyarrow()
        pairs = con.table("customer_pairs").to_pyarrow()
    close()
    return {
        "thresholds": thresholds(tables["customers"], tables["truth"], pairs),
        "customers": customers,
        "seed": seed,
        "records": tables["customers"].num_rows,
        "seconds": round(seconds, 2),
        "resolve": summary,
        **measure(tables["truth"], persons),
    }


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxpilot-eval-resolve-") as home:
        _setup(home)
        import splink

        found = evaluate(args.customers, args.seed)
    result = {
        "command": "python bench/eval_resolve.py"
        + (f" --customers {args.customers}" if args.customers != DEFAULT_CUSTOMERS else "")
        + (f" --seed {args.seed}" if args.seed != DEFAULT_SEED else ""),
        "machine": {"cores": os.cpu_count(), "system": platform.platform()},
        "versions": {"python": platform.python_version(), "splink": splink.__version__},
        "cxpilot": {"git_commit": _git("rev-parse", "HEAD")},
        **found,
    }
    o, p = result["overall"], result["persons"]
    print(
        f"demo {args.customers:,} persons, seed {args.seed}: {result['records']:,} records "
        f"resolved in {result['seconds']} s into {p['found']:,} persons ({p['true']:,} true; "
        f"{p['found_exactly_share']} found exactly)\n"
        f"pairwise precision {o['precision']}, recall {o['recall']}, F1 {o['f1']} "
        f"({o['right']:,} of {o['true_pairs']:,} true pairs, {o['found_pairs']:,} found)"
    )
    for t in result["thresholds"]:
        print(
            f"  at {t['threshold']}: precision {t['precision']}, recall {t['recall']}, "
            f"F1 {t['f1']}, {t['persons']['found']:,} persons"
        )
    for change, s in result["per_change"].items():
        print(
            f"  {change:<22} recall {s['recall']} ({s['true_pairs']:,} true pairs)"
            f"  precision {s['precision']} ({s['found_pairs']:,} found)"
        )
    if args.customers == DEFAULT_CUSTOMERS and args.seed == DEFAULT_SEED:
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
