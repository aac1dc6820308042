"""Resolution at scale: records per second and pairwise quality of CX Pilot's
``customers_resolve`` against Splink set up by hand, on the demo's customer records, in the
same run.

Run: ``python bench/bench_resolve.py [--customers 51200,153600,512000] [--seed 42]`` with
``src`` importable, or ``python bench/run.py resolve`` (sizes from ``BENCH_RESOLVE_CUSTOMERS``,
a comma-separated list of demo persons; about 1.95 records a person, so the defaults make
about 100,000, 300,000 and 1,000,000 records). Writes ``bench/results/resolve_scale.json``
after each size, so a run stopped half-way keeps the sizes it finished.
``BENCH_RESOLVE_KEEP=<dir>`` also writes each size's records, truth and the persons found by
both (Parquet) there, to study the errors afterwards.

Data: the demo's customer records (CRM, e-shop, support) and their truth, from the pure
generator (``cxpilot.demo.generator.iter_tables``, stopped once the truth is made), as
``bench/eval_resolve.py`` does.

CX Pilot: the records loaded into the warehouse of a temporary ``CXPILOT_HOME`` (a fresh app
database and DuckDB file), then ``cxpilot.customers.services.customers_resolve()`` as the
command runs it (model fitted without labels, default threshold 0.99, no review decision).
Timed: that call (normalising, training, blocking, scoring, clustering, golden records and
writing them back). The load is timed apart.

The peer: Splink (DuckDB backend) as a user writes it from Splink's documented examples
(the "deduplicate 50k synthetic" tutorial), with the data cleaning its feature-engineering
page recommends. Timed end to end, from the same Arrow table in memory:

- cleaning, in DuckDB SQL: names, city and e-mail trimmed and lower-cased, the phone reduced
  to its digits with a leading ``33`` turned into ``0`` (``+33 6 12…`` and ``06 12…`` agree),
  empty strings to NULL; ``unique_id`` = source and customer id;
- ``link_type="dedupe_only"``; comparisons from ``splink.comparison_library``:
  ``NameComparison`` on first name and on surname, ``DateOfBirthComparison`` on the birth
  date, ``EmailComparison``, ``LevenshteinAtThresholds("phone", [1, 2])``,
  ``LevenshteinAtThresholds("address", [1, 3])``, ``ExactMatch("postcode")`` and
  ``ExactMatch("city")`` with term-frequency adjustments (Splink's ``PostcodeComparison``
  parses UK postcodes; French ones are five digits);
- blocking rules for predictions: ``block_on`` first name and surname; e-mail; phone; birth
  date and postcode; surname and postcode (a rule on one common field alone, as the
  tutorial's ``block_on("surname")`` on 50,000 records, grows with the square of the records
  and does not finish on a million);
- training as the tutorial: the prior from the deterministic rules (first name, surname and
  birth date; e-mail) with ``recall=0.7``; u by random sampling of 1e6 pairs (seed 42); m by
  expectation-maximisation blocked on first name and surname, then on birth date;
- ``predict(threshold_match_probability=0.9)`` and
  ``cluster_pairwise_predictions_at_threshold`` at **0.99**, CX Pilot's default threshold
  (timed); the persons at 0.9 are measured too, from the same predictions (clustering again,
  not timed).

Measured for each: records per second (records ÷ the timed seconds), and pairwise precision,
recall and F1 against the truth (a true pair: two records of one true person; a found pair:
two records of one person found), counted from the group sizes, so that a large wrong
cluster costs no memory; and the ratio CX Pilot's records per second ÷ Splink's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "resolve_scale.json"
#: bench/run.py writes what run() returns under this name.
RESULT_NAME = "resolve_scale"
#: Demo persons per size: about 100,000, 300,000 and 1,000,000 records.
DEFAULT_CUSTOMERS = (51_200, 153_600, 512_000)
DEFAULT_SEED = 42
#: The peer's clustering threshold (timed) and the other one it is measured at.
PEER_THRESHOLD = 0.99
PEER_PREDICT_THRESHOLD = 0.9


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def _setup(home: str) -> None:
    os.environ["CXPILOT_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() or None


def pairwise(truth: Any, found: Any) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of ``found`` (source, customer_id, person_id)
    against ``truth`` (the same columns), from group sizes: n records in a group make
    n(n-1)/2 pairs. A record of ``truth`` missing from ``found`` is a person of its own."""
    import duckdb

    con = duckdb.connect()
    con.register("truth_t", truth.select(["source", "customer_id", "person_id"]))
    con.register("found_t", found.select(["source", "customer_id", "person_id"]))
    row = con.execute(
        """
        WITH r AS (
            SELECT t.person_id AS tp,
                   coalesce(f.person_id, '~' || t.source || ':' || t.customer_id) AS fp
            FROM truth_t t
            LEFT JOIN found_t f
              ON CAST(f.source AS VARCHAR) = CAST(t.source AS VARCHAR)
             AND f.customer_id = t.customer_id
        )
        SELECT
            (SELECT coalesce(sum(n * (n - 1) / 2), 0)
               FROM (SELECT count(*)::HUGEINT AS n FROM r GROUP BY tp)),
            (SELECT coalesce(sum(n * (n - 1) / 2), 0)
               FROM (SELECT count(*)::HUGEINT AS n FROM r GROUP BY fp)),
            (SELECT coalesce(sum(n * (n - 1) / 2), 0)
               FROM (SELECT count(*)::HUGEINT AS n FROM r GROUP BY tp, fp)),
            (SELECT count(DISTINCT tp) FROM r),
            (SELECT count(DISTINCT fp) FROM r),
            (SELECT max(n) FROM (SELECT count(*) AS n FROM r GROUP BY fp))
        """
    ).fetchone()
    assert row is not None
    true, found_pairs, right = int(row[0]), int(row[1]), int(row[2])
    precision = right / found_pairs if found_pairs else None
    recall = right / true if true else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return {
        "true_pairs": true,
        "found_pairs": found_pairs,
        "right": right,
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
        "true_persons": int(row[3]),
        "found_persons": int(row[4]),
        "largest_person": int(row[5]),
    }


def generate(customers: int, seed: int) -> tuple[Any, Any]:
    """The demo's customer records and their truth (the generator stopped at the truth)."""
    from cxpilot.demo.generator import iter_tables

    tables = {}
    for name, table in iter_tables(customers=customers, seed=seed):
        tables[name] = table
        if name == "truth":
            break
    return tables["customers"], tables["truth"]


def run_cxpilot(records: Any) -> tuple[dict[str, Any], Any]:
    """``customers_resolve`` on ``records`` in the current (fresh) ``CXPILOT_HOME``."""
    from cxpilot.customers.services import customers_resolve
    from cxpilot.warehouse.connection import close, warehouse
    from cxpilot.warehouse.ingest import load_arrow

    start = time.perf_counter()
    load_arrow(table="customers", data=records, replace=True)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    summary = customers_resolve()
    seconds = time.perf_counter() - start
    with warehouse() as con:
        persons = con.table("customer_persons").to_pyarrow()
    close()
    return {"load_seconds": round(loaded, 2), "seconds": round(seconds, 2), "resolve": summary}, (
        persons.select(["source", "customer_id", "person_id"])
    )


def _peer_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.EmailComparison("email"),
            cl.LevenshteinAtThresholds("phone", [1, 2]),
            cl.LevenshteinAtThresholds("address", [1, 3]),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("email"),
            block_on("phone"),
            block_on("dob", "postcode"),
            block_on("surname", "postcode"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


#: The peer's cleaning, in DuckDB SQL over the records as generated.
_CLEAN = """
SELECT
    CAST(source AS VARCHAR) || ':' || customer_id AS unique_id,
    nullif(lower(trim(CAST(first_name AS VARCHAR))), '') AS first_name,
    nullif(lower(trim(CAST(last_name AS VARCHAR))), '') AS surname,
    birth_date AS dob,
    nullif(lower(trim(email)), '') AS email,
    nullif(regexp_replace(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'),
                          '^33', '0'), '') AS phone,
    nullif(lower(trim(address)), '') AS address,
    nullif(trim(postcode), '') AS postcode,
    nullif(lower(trim(CAST(city AS VARCHAR))), '') AS city
FROM raw
"""


def run_splink(records: Any) -> tuple[dict[str, Any], Any, Any]:
    """Splink by hand (see the module docstring): its timing, and the persons at
    :data:`PEER_THRESHOLD` and at :data:`PEER_PREDICT_THRESHOLD` (source, customer_id,
    person_id)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)

    def persons(clustered: Any) -> Any:
        table = clustered.as_pyarrow_table()
        parts = pc.split_pattern(pc.cast(table.column("unique_id"), pa.string()), ":", max_splits=1)
        return pa.table(
            {
                "source": pc.list_element(parts, 0),
                "customer_id": pc.list_element(parts, 1),
                "person_id": pc.cast(table.column("cluster_id"), pa.string()),
            }
        )

    steps: dict[str, float] = {}
    start = last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[name] = round(now - last, 2)
        last = now

    con = duckdb.connect(":memory:")
    con.register("raw", records)
    clean = con.execute(_CLEAN).arrow()
    if isinstance(clean, pa.RecordBatchReader):
        clean = clean.read_all()
    con.unregister("raw")
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(clean), _peer_settings(), log_level=logging.ERROR)
    step("clean")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("email")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=DEFAULT_SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    step("train")
    predictions = linker.inference.predict(threshold_match_probability=PEER_PREDICT_THRESHOLD)
    step("predict")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=PEER_THRESHOLD
    )
    found = persons(clustered)
    step("cluster")
    seconds = time.perf_counter() - start
    pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchone()  # noqa: S608 - Splink's name
    at_predict = persons(
        linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=PEER_PREDICT_THRESHOLD
        )
    )
    con.close()
    return (
        {
            "seconds": round(seconds, 2),
            "steps": steps,
            "pairs_at_or_above_0.9": int(pairs[0]) if pairs else 0,
        },
        found,
        at_predict,
    )


def measure_size(customers: int, seed: int, keep: Path | None) -> dict[str, Any]:
    import pyarrow.parquet as pq

    say(f"{customers:,} demo persons: generating the customer records")
    start = time.perf_counter()
    records, truth = generate(customers, seed)
    n = records.num_rows
    say(f"  {n:,} records generated in {time.perf_counter() - start:.0f} s")
    say("  CX Pilot: customers_resolve")
    cx, cx_persons = run_cxpilot(records)
    cx["records_per_second"] = round(n / cx["seconds"], 1)
    cx["quality"] = pairwise(truth, cx_persons)
    q = cx["quality"]
    say(
        f"  CX Pilot: {cx['seconds']} s, {cx['records_per_second']:,} records/s; "
        f"precision {q['precision']}, recall {q['recall']}, F1 {q['f1']}"
    )
    say("  Splink by hand")
    peer, peer_persons, peer_at_predict = run_splink(records)
    peer["records_per_second"] = round(n / peer["seconds"], 1)
    peer["quality"] = pairwise(truth, peer_persons)
    peer["quality_at_0.9"] = pairwise(truth, peer_at_predict)
    q = peer["quality"]
    say(
        f"  Splink: {peer['seconds']} s, {peer['records_per_second']:,} records/s; "
        f"precision {q['precision']}, recall {q['recall']}, F1 {q['f1']} "
        f"(at 0.9: F1 {peer['quality_at_0.9']['f1']})"
    )
    ratio = round(cx["records_per_second"] / peer["records_per_second"], 2)
    say(f"  CX Pilot records/s ÷ Splink records/s: {ratio}")
    if keep is not None:
        folder = keep / f"{customers}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(records, folder / "records.parquet")
        pq.write_table(truth, folder / "truth.parquet")
        pq.write_table(cx_persons, folder / "cxpilot_persons.parquet")
        pq.write_table(peer_persons, folder / "splink_persons.parquet")
    return {
        "customers": customers,
        "records": n,
        "cxpilot": cx,
        "splink": peer,
        "ratio_records_per_second": ratio,
    }


def _one(customers: int, seed: int, keep: Path | None) -> dict[str, Any]:
    """One size in a process of its own (a fresh ``CXPILOT_HOME``, memory given back)."""
    command = [sys.executable, __file__, "--one", str(customers), "--seed", str(seed)]
    if keep is not None:
        command += ["--keep", str(keep)]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command += ["--out", out.name]
        subprocess.run(command, check=True)
        return json.loads(Path(out.name).read_text(encoding="utf-8"))


def bench(sizes: list[int], seed: int, keep: Path | None = None) -> dict[str, Any]:
    import duckdb
    import splink

    result: dict[str, Any] = {
        "command": "python bench/bench_resolve.py --customers "
        + ",".join(str(s) for s in sizes)
        + (f" --seed {seed}" if seed != DEFAULT_SEED else ""),
        "machine": {
            "cores": os.cpu_count(),
            "system": platform.platform(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
        "versions": {
            "python": platform.python_version(),
            "splink": splink.__version__,
            "duckdb": duckdb.__version__,
        },
        "cxpilot": {"git_commit": _git("rev-parse", "HEAD")},
        "peer": "Splink by hand (see bench/bench_resolve.py)",
        "seed": seed,
        "sizes": [],
    }
    for customers in sizes:
        result["sizes"].append(_one(customers, seed, keep))
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SystemExit(f"customers: expected numbers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 100:
        raise SystemExit(f"customers: expected sizes of at least 100 persons, got {text!r}")
    return sizes


def run() -> dict[str, Any]:
    default = ",".join(str(s) for s in DEFAULT_CUSTOMERS)
    keep = os.environ.get("BENCH_RESOLVE_KEEP")
    return bench(
        _sizes(os.environ.get("BENCH_RESOLVE_CUSTOMERS", default)),
        DEFAULT_SEED,
        Path(keep) if keep else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--customers",
        default=os.environ.get(
            "BENCH_RESOLVE_CUSTOMERS", ",".join(str(s) for s in DEFAULT_CUSTOMERS)
        ),
        help="demo persons per size, comma-separated (about 1.95 records a person)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", type=Path, default=os.environ.get("BENCH_RESOLVE_KEEP"))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        with tempfile.TemporaryDirectory(prefix="cxpilot-bench-resolve-") as home:
            _setup(home)
            found = measure_size(args.one, args.seed, args.keep)
        args.out.write_text(json.dumps(found), encoding="utf-8")
        return
    bench(_sizes(args.customers), args.seed, args.keep)


if __name__ == "__main__":
    main()
