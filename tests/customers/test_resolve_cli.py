"""``cxpilot customers resolve | show | review | decide``: every format, and a one-line
error (exit code 2) saying what and where for bad input."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.demo.generator import iter_tables
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["customers", *map(str, args)])


def one_line_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: "), result.stderr
    for part in parts:
        assert part in result.stderr, (part, result.stderr)
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def records():
    for name, table in iter_tables(customers=100, seed=3):
        if name == "customers":
            return table
    raise AssertionError


def test_resolve_show_review_decide(db, records):
    load_arrow(table="customers", data=records)
    result = run("resolve", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) >= {"records", "persons", "pairs_scored", "duplicates_found", "seconds"}
    assert summary["records"] == records.num_rows
    assert set(summary["duplicates_found"]) == {"crm", "eshop", "support"}
    flat = next(csv.DictReader(io.StringIO(run("resolve", "--format", "csv").stdout)))
    assert flat["persons"] == str(summary["persons"]) and "duplicates_found_crm" in flat

    review = json.loads(run("review", "--low", "0", "--high", "1", "--format", "json").stdout)
    assert review and {"record_a", "record_b", "match_probability"} <= set(review[0])
    a, b = review[0]["record_a"], review[0]["record_b"]
    table = run("review", "--low", "0", "--high", "1")
    assert table.exit_code == 0 and "record_a" in table.stdout

    shown = json.loads(run("show", a, "--format", "json").stdout)
    assert set(shown) == {"person_id", "golden", "records"}
    assert any(f"{r['source']}:{r['customer_id']}" == a for r in shown["records"])
    # a person id and a record's source are found whatever their case
    loose = shown["person_id"].lower(), a.split(":", 1)[0].upper() + ":" + a.split(":", 1)[1]
    for key in loose:
        assert json.loads(run("show", key, "-f", "json").stdout)["person_id"] == shown["person_id"]
    rows = list(csv.DictReader(io.StringIO(run("show", shown["person_id"], "-f", "csv").stdout)))
    assert rows[0]["record"] == "golden" and len(rows) == len(shown["records"]) + 1
    email = shown["golden"]["email"] or next(r["email"] for r in records.to_pylist() if r["email"])
    assert run("show", email).exit_code == 0

    decided = run("decide", a, b, "--reject", "--reason", "two persons", "--format", "json")
    assert decided.exit_code == 0, decided.output
    out = json.loads(decided.stdout)
    assert out["decision"] == "reject" and out["person_a"] != out["person_b"]
    left = json.loads(run("review", "--low", "0", "--high", "1", "-f", "json").stdout)
    assert (a, b) not in {(r["record_a"], r["record_b"]) for r in left}


def test_bad_input_exits_2_saying_what_and_where(db, records):
    one_line_error(run("show", "PER-00000001"), "ID", "no person found")
    one_line_error(run("show", "no-colon-here"), "ID", "source:customer_id")
    one_line_error(run("resolve", "--threshold", "1.5"), "--threshold", "from 0 to 1")
    one_line_error(run("review", "--low", "0.8", "--high", "0.2"), "--high")
    one_line_error(run("review", "--limit", "0"), "--limit")
    one_line_error(run("decide", "crm:1", "crm:2", "--reason", "x"), "--confirm", "--reject")
    one_line_error(run("decide", "crm:1", "crm:2", "--confirm"), "reason")
    one_line_error(run("decide", "crm", "crm:2", "--confirm", "--reason", "x"), "RECORD_A")
    one_line_error(
        run("decide", "crm:1", "crm:2", "--confirm", "--reason", "x", "--by", "ghost"), "--by"
    )
    load_arrow(table="customers", data=records)
    one_line_error(
        run("decide", "crm:nobody", "crm:2", "--confirm", "--reason", "x"), "pair", "crm:nobody"
    )


def test_a_name_written_to_show_otherwise_is_shown_as_written(db, records):
    spoof = records.slice(0, 1).to_pylist()[0]
    spoof.update(customer_id="HX2", first_name="\u202eevil", last_name="Zz\u2066rtl\u2069txt.exe")
    load_arrow(table="customers", data=pa.Table.from_pylist([spoof], schema=records.schema))
    assert run("resolve").exit_code == 0
    shown = json.loads(run("show", f"{spoof['source']}:HX2", "-f", "json").stdout)
    (record,) = [r for r in shown["records"] if r["customer_id"] == "HX2"]
    assert (record["first_name"], record["last_name"]) == ("evil", "Zzrtltxt.exe")
