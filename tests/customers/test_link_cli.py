"""``cxpilot customers link A B``: the pairs in every format, and a one-line error (exit
code 2) naming the file for every bad input."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app

runner = CliRunner()

HEADER = "customer_id,first_name,last_name,email,phone,address,postcode,city,birth_date\n"
A = HEADER + (
    "a1,Nicolas,Martin,nicolas.martin@gmail.com,06 12 34 56 78,12 rue des Lilas,42000,"
    "Saint-Étienne,1984-03-07\n"
    "a2,Jean-Baptiste,Durand,jb.durand@orange.fr,0687654321,3 avenue Victor Hugo,75016,Paris,"
    "1970-11-02\n"
    "a3,Marie,Petit,marie.petit@free.fr,,8 bd Voltaire,69003,Lyon,1991-05-20\n"
    "a4,Sophie,Bernard,,07.11.22.33.44,,,,1965-01-15\n"
)
B = HEADER + (
    'b1,NICO,MARTIN,Nicolas.Martin+shop@gmail.com,+33 6 12 34 56 78,"12, R. des Lilas",'
    "42000,St-Etienne,1984-07-03\n"
    "b2,JB,Durand,,06.87.65.43.21,3 av. Victor-Hugo,75016,PARIS,1970-11-02\n"
    "b3,Paul,Leroy,paul.leroy@sfr.fr,0611111111,1 place Bellecour,69002,Lyon,1988-08-08\n"
    "b4,Bernard,Sophie,,0711223344,,,,1965-01-15\n"
)
EXPECTED = {("a1", "b1"), ("a2", "b2"), ("a4", "b4")}


def run(*args):
    return runner.invoke(app, ["customers", "link", *map(str, args)])


def one_line_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: "), result.stderr
    for part in parts:
        assert part in result.stderr, (part, result.stderr)
    assert "Traceback" not in result.output


@pytest.fixture
def pair(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(A, encoding="utf-8")
    b.write_text(B, encoding="utf-8")
    return a, b


def test_json_pairs_above_the_threshold(db, pair):
    result = run(*pair, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["id_a"], r["id_b"]) for r in rows} == EXPECTED
    assert all(set(r) == {"id_a", "id_b", "match_probability"} for r in rows)
    assert all(0.5 <= r["match_probability"] <= 1 for r in rows)
    assert "read the probabilities as rough" in result.stderr  # small files: said, not hidden


def test_csv_header_and_rows_and_the_table(db, pair):
    result = run(*pair, "--format", "csv", "--threshold", "0.9")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id_a", "id_b", "match_probability"]
    assert {(r[0], r[1]) for r in rows[1:]} == EXPECTED
    assert all(float(r[2]) >= 0.9 for r in rows[1:])
    table = run(*pair)
    assert table.exit_code == 0 and "a1" in table.stdout and "b1" in table.stdout


def test_no_pair_above_the_threshold_prints_the_csv_header_alone(db, pair, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "z1,Zoé,Zidane,zz@ex.fr,0799999999,,,,2001-01-01\n", "utf-8")
    result = run(pair[0], other, "--format", "csv", "--threshold", "0.99")
    assert result.exit_code == 0, result.output
    assert result.stdout == "id_a,id_b,match_probability\n"


def test_parquet_and_json_lines_files(db, pair, tmp_path):
    rows = list(csv.DictReader(io.StringIO(B)))
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for other in (parquet, jsonl):
        result = run(pair[0], other, "--format", "json")
        assert result.exit_code == 0, result.output
        assert {(r["id_a"], r["id_b"]) for r in json.loads(result.stdout)} == EXPECTED


def test_a_latin1_file_is_read_with_its_accents(db, pair, tmp_path):
    latin = tmp_path / "b-latin1.csv"
    latin.write_bytes(B.replace("St-Etienne", "St-Étienne").encode("cp1252"))
    result = run(pair[0], latin, "--format", "json")
    assert result.exit_code == 0, result.output
    assert {(r["id_a"], r["id_b"]) for r in json.loads(result.stdout)} == EXPECTED


def test_a_missing_file(db, pair, tmp_path):
    one_line_error(run(pair[0], tmp_path / "nope.csv"), "no such file", "nope.csv")


def test_a_file_without_customer_id(db, pair, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,first_name\n1,Nico\n", encoding="utf-8")
    one_line_error(run(pair[0], bad), "missing required column", "customer_id", "bad.csv")


def test_a_file_with_other_column_names_is_read_through_a_mapping(db, pair, tmp_path):
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(B.replace("customer_id,first_name", "id,prenom", 1), encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("customer_id: id\nfirst_name: prenom\n", encoding="utf-8")
    one_line_error(run(pair[0], renamed), "missing required column", "--mapping FILE")
    result = run(pair[0], renamed, "--mapping-b", mapping, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert {(r[0], r[1]) for r in rows} == EXPECTED
    assert all(len(r[2].split(".")[1]) == 6 for r in rows)  # as precise as the JSON


def test_a_file_with_nothing_to_compare(db, pair, tmp_path):
    bad = tmp_path / "ids.csv"
    bad.write_text("customer_id,segment\nc1,gold\n", encoding="utf-8")
    one_line_error(run(bad, pair[1]), "nothing to compare", "ids.csv")


def test_an_empty_file(db, pair, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER, encoding="utf-8")
    one_line_error(run(pair[0], empty), "no data rows", "empty.csv")


def test_a_binary_file(db, pair, tmp_path):
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    one_line_error(run(pair[0], binary), "image.csv")


def test_invalid_rows_are_listed_with_their_line(db, pair, tmp_path):
    bad = tmp_path / "dates.csv"
    bad.write_text(HEADER + "c1,Nico,Martin,,,,,,1984-02-31\n", encoding="utf-8")
    result = run(pair[0], bad)
    one_line_error(result, "dates.csv")
    assert "line 2" in result.stderr and "birth_date" in result.stderr


@pytest.mark.parametrize("threshold", ["1.5", "-0.1", "nan"])
def test_a_threshold_outside_0_to_1(db, pair, threshold):
    one_line_error(run(*pair, "--threshold", threshold), "--threshold")


def test_a_threshold_that_is_not_a_number(db, pair):
    result = run(*pair, "--threshold", "high")
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("header", "a_rows", "b_rows"),
    [
        (
            "first_name,last_name",
            ["A1,Jean,Dupont", "A2,Marc,Curie"],
            ["B1,Jean,Dupont", "B2,Marie,Curie"],
        ),
        ("email", ["A1,jean@x.fr", "A2,marc@y.fr"], ["B1,Jean@X.fr", "B2,zz@y.fr"]),
        ("phone", ["A1,0612345678", "A2,0699999999"], ["B1,+33 6 12 34 56 78", "B2,0611111111"]),
    ],
)
def test_files_with_one_kind_of_field_are_linked(db, tmp_path, header, a_rows, b_rows):
    """A file holding only names, only e-mails or only phones: the training session that
    blocks on the only compared fields is skipped rather than leaving the model empty."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("\n".join([f"customer_id,{header}", *a_rows]) + "\n", encoding="utf-8")
    b.write_text("\n".join([f"customer_id,{header}", *b_rows]) + "\n", encoding="utf-8")
    result = run(str(a), str(b), "--format", "json")
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.stdout)
    assert {(p["id_a"], p["id_b"]) for p in pairs} == {("A1", "B1")}
