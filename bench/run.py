"""Run every benchmark (bench_*.py) and write bench/results/<name>.json.

Usage: python bench/run.py [name ...]   e.g. python bench/run.py import

Benchmarks: collect, import, metrics, text, sentiment (accuracy on labelled reviews and
tweets against VADER and TextBlob; it downloads its corpora and peers once into a cache
directory, see bench/bench_sentiment.py), and resolve (customer resolution on about 100,000,
300,000 and 1,000,000 demo records against Splink set up by hand: records per second and
pairwise F1; BENCH_RESOLVE_CUSTOMERS=10240 for a quick run; written to resolve_scale.json),
and journeys (the directly-follows graph and the variants of 10 million events against
hand-written DuckDB SQL and pm4py; BENCH_JOURNEYS_EVENTS=200000 BENCH_JOURNEYS_CASES=6000 for a
quick run), and spark (the NPS cube and the directly-follows graph of 100 million rows on
DuckDB and on a local Spark session, the same Parquet files; needs pyspark and Java 17;
BENCH_SPARK_ROWS=1000000 for a quick run).

A benchmark module may name its result file with RESULT_NAME (else its name without bench_).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> None:
    (HERE / "results").mkdir(exist_ok=True)
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if names and name not in names:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        result = module.run()
        name = getattr(module, "RESULT_NAME", name)
        (HERE / "results" / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
