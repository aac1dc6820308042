"""Imports: files as users have them load; every malformed case is rejected with where and
why, and nothing is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.models import Touchpoint
from cxpilot.warehouse.connection import counts, warehouse
from cxpilot.warehouse.services import table_import

pytestmark = pytest.mark.warehouse

runner = CliRunner()
HEADER = "response_id,customer_id,touchpoint,timestamp,metric,score,verbatim"
GOOD = [
    "r1,c1,website,2025-03-01,nps,9,Très bien",
    "r2,c2,store,2025-03-02T10:15:00,ces,6,",
    "r3,c3,call_centre,2025-03-03 08:00:00,csat,2,Attente trop longue",
]


def write(tmp_path: Path, text: str, name: str = "answers.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def responses() -> list[dict]:
    with warehouse() as con:
        return con.table("responses").order_by("response_id").to_pyarrow().to_pylist()


def test_clean_csv_loads_with_types_and_source(org, tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *GOOD]) + "\n")
    report = table_import(table="responses", path=path, source="qualtrics")
    assert (report.rows_read, report.rows_added, report.rows_rejected) == (3, 3, 0)
    rows = responses()
    assert [r["score"] for r in rows] == [9, 6, 2]
    assert rows[0]["source"] == "qualtrics"
    assert rows[0]["timestamp"].isoformat() == "2025-03-01T00:00:00"  # a date alone is midnight
    assert rows[1]["timestamp"].isoformat() == "2025-03-02T10:15:00"
    assert rows[0]["verbatim"] == "Très bien"
    assert rows[1]["verbatim"] is None


def test_reimport_adds_nothing(org, tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *GOOD]))
    table_import(table="responses", path=path, source="s")
    again = table_import(table="responses", path=path, source="s")
    assert (again.rows_added, again.rows_already_present) == (0, 3)
    assert counts()["responses"] == 3


@pytest.mark.parametrize(
    ("encoding", "bom"),
    # Python's utf-16 writes its byte-order mark, as Excel's "Unicode text" does
    [("utf-8", False), ("utf-8", True), ("cp1252", False), ("latin-1", False), ("utf-16", False)],
)
def test_encodings(org, tmp_path, encoding, bom):
    text = "\n".join([HEADER, "r1,c1,website,2025-03-01,nps,3,Livraison très en retard, déçu"])
    text = text.replace(",déçu", " déçu").replace("retard, ", "retard ")
    data = ("\ufeff" if bom else "") + text
    path = write(tmp_path, data, encoding=encoding)
    table_import(table="responses", path=path, source="s")
    assert responses()[0]["verbatim"] == "Livraison très en retard déçu"


def test_semicolons_french_decimals_and_quoted_newlines(org, tmp_path):
    text = (
        "transaction_id;customer_id;timestamp;amount;margin\n"
        't1;c1;2025-01-05;1 234,50;"12,5"\n'
        "t2;c1;2025-01-06;-19,90;\n"
    )
    path = write(tmp_path, text, name="tx.csv")
    table_import(table="transactions", path=path, source="shop")
    with warehouse() as con:
        rows = con.table("transactions").order_by("transaction_id").to_pyarrow().to_pylist()
    assert [r["amount"] for r in rows] == [1234.5, -19.9]
    assert rows[0]["margin"] == 12.5
    quoted = (
        HEADER
        + '\nr1,c1,website,2025-03-01,nps,9,"Bien, mais\nla livraison ""express"" a tardé"\nr2,c1,store,2025-03-01,nps,10,ok\n'
    )
    table_import(table="responses", path=write(tmp_path, quoted), source="s")
    assert responses()[0]["verbatim"] == 'Bien, mais\nla livraison "express" a tardé'


def test_other_columns_are_kept_as_attributes(org, tmp_path):
    path = write(tmp_path, HEADER + ",store_id,NPS reason\n" + GOOD[0] + ",S12,price\n")
    table_import(table="responses", path=path, source="s")
    assert json.loads(responses()[0]["attributes"]) == {"store_id": "S12", "NPS reason": "price"}


def test_touchpoint_matched_by_name_case_insensitively(org, tmp_path):
    path = write(tmp_path, HEADER + "\nr1,c1,Call Centre,2025-03-01,nps,9,\n")
    table_import(table="responses", path=path, source="s")
    assert responses()[0]["touchpoint"] == "call_centre"


def assert_rejected(
    path: Path, *, where: str, reason: str, table: str = "responses"
) -> ValidationError:
    before = counts()
    touchpoints = set(Touchpoint.objects.values_list("key", flat=True))
    with pytest.raises(ValidationError) as info:
        table_import(table=table, path=path, source="s")
    error = info.value
    text = (
        str(error)
        + " "
        + " ".join(
            f"{p['where']} {p['column']} {p['reason']}"
            for p in (q.as_dict() for q in error.problems)
        )
    )
    assert where in text, text
    assert reason in text, text
    assert counts() == before
    assert set(Touchpoint.objects.values_list("key", flat=True)) == touchpoints
    return error


@pytest.mark.parametrize(
    ("row", "where", "reason"),
    [
        ("r9,c1,website,2025-03-01,nps,11,", "line 3", "out of range for NPS (0–10)"),
        ("r9,c1,website,2025-03-01,ces,0,", "line 3", "out of range for CES (1–7)"),
        ("r9,c1,website,2025-03-01,csat,6,", "line 3", "out of range for CSAT (1–5)"),
        ("r9,c1,website,2025-03-01,nps,7.5,", "line 3", "not a whole number"),
        ("r9,c1,website,2025-03-01,nps,neuf,", "line 3", "not a whole number"),
        ("r9,c1,website,01/03/2025,nps,9,", "line 3", "--date-order dmy"),
        ("r9,c1,website,2025-02-30,nps,9,", "line 3", "no such day or time exists"),
        ("r9,c1,website,2025-03-01T25:00,nps,9,", "line 3", "no such day or time exists"),
        ("r9,c1,website,March 1st,nps,9,", "line 3", "not an ISO 8601"),
        ("r9,c1,website,2025-03-01,ces7,5,", "line 3", "must be one of nps, ces, csat"),
        (",c1,website,2025-03-01,nps,9,", "line 3", "response_id is required"),
        ("r9,,website,2025-03-01,nps,9,", "line 3", "customer_id is required"),
        ("r9,c1,moon_base,2025-03-01,nps,9,", "line 3", "not a touchpoint of the organisation"),
        (
            "r1,c1,website,2025-03-01,nps,9,",
            "line 3",
            "duplicate: the same response_id is also at line 2",
        ),
        ("r9,c1,website,2025-03-01,nps,9,x,extra", "line 3", "expected 7 fields"),
    ],
)
def test_bad_row_rejects_whole_file(org, tmp_path, row, where, reason):
    path = write(tmp_path, "\n".join([HEADER, GOOD[0], row, GOOD[1]]) + "\n")
    assert_rejected(path, where=where, reason=reason)


def test_a_source_name_with_a_colon_is_refused(org, tmp_path):
    """A record is named source:customer_id (split at the first colon) by the commands that
    name one, so a source name with a colon could never be named."""
    path = write(tmp_path, "\n".join([HEADER + ",source", GOOD[0] + ",crm:eu"]) + "\n")
    assert_rejected(path, where="line 2", reason="source has a colon")


def test_missing_required_column(org, tmp_path):
    path = write(
        tmp_path, "response_id,customer_id,touchpoint,timestamp,score\nr1,c1,website,2025-03-01,9\n"
    )
    assert_rejected(path, where="line 1", reason="missing required column(s) metric")


def test_missing_columns_say_how_to_map_them(org, tmp_path):
    path = write(
        tmp_path,
        "ResponseID,Customer,Touchpoint,Date,Metric,Score\nr1,c1,website,2025-03-01,nps,9\n",
    )
    error = assert_rejected(path, where="line 1", reason="missing required column(s)")
    assert "response_id, customer_id, timestamp" in str(error)
    assert "--mapping FILE" in str(error) and "response_id: ResponseID" in str(error)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (HEADER.encode() + b"\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"response_id,response_id\nr1,r2\n", "appears twice in the header"),
    ],
)
def test_malformed_files(org, tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert_rejected(path, where="bad.csv", reason=reason)


def test_missing_file_and_unknown_format(org, tmp_path):
    assert_rejected(tmp_path / "nope.csv", where="nope.csv", reason="no such file")
    odd = tmp_path / "answers.xlsx"
    odd.write_text("x")
    assert_rejected(odd, where="answers.xlsx", reason="cannot tell the file format")


def test_unknown_table(org, tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *GOOD]))
    with pytest.raises(ValidationError, match="unknown table 'answers'"):
        table_import(table="answers", path=path)


def test_problem_report_is_capped_at_100_with_total_count(org, tmp_path):
    rows = [f"r{i},c1,website,2025-03-01,nps,{20 + i},x" for i in range(250)]
    path = write(tmp_path, "\n".join([HEADER, *rows]))
    error = assert_rejected(path, where="line 2", reason="out of range")
    assert len(error.problems) == 100
    assert "250 problem(s)" in error.detail
    assert error.problems[0].where.endswith("line 2") and error.problems[-1].where.endswith(
        "line 101"
    )


def test_skip_invalid_loads_good_rows_and_writes_rejected_with_reasons(org, tmp_path):
    path = write(
        tmp_path, "\n".join([HEADER, GOOD[0], "r9,c1,website,2025-03-01,nps,11,trop", GOOD[1]])
    )
    rejected = tmp_path / "rejected.csv"
    report = table_import(
        table="responses", path=path, source="s", skip_invalid=True, rejected_path=rejected
    )
    assert (report.rows_added, report.rows_rejected) == (2, 1)
    lines = rejected.read_text().splitlines()
    assert (
        lines[0] == "line,response_id,customer_id,touchpoint,timestamp,metric,score,verbatim,reason"
    )
    assert lines[1].startswith("3,r9,") and "out of range for NPS" in lines[1]


def test_add_touchpoints_creates_them(org, tmp_path):
    path = write(tmp_path, HEADER + "\nr1,c1,Drive Piéton,2025-03-01,nps,9,\n")
    report = table_import(table="responses", path=path, source="s", add_touchpoints=True)
    assert report.touchpoints_added == ["drive_pieton"]
    assert Touchpoint.objects.filter(key="drive_pieton").exists()
    assert responses()[0]["touchpoint"] == "drive_pieton"


def test_mapping_file_renames_columns(org, tmp_path):
    path = write(
        tmp_path,
        "ResponseId;Contact;Point de contact;Date;Type;Note\nR_1;C9;website;2025-03-01;nps;10\n",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "response_id: ResponseId\ncustomer_id: Contact\ntouchpoint: Point de contact\n"
        "timestamp: Date\nmetric: Type\nscore: Note\n"
    )
    table_import(table="responses", path=path, source="s", mapping_path=mapping)
    assert responses()[0]["response_id"] == "R_1"


def test_mapping_naming_a_missing_column_is_an_error(org, tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *GOOD]))
    mapping = tmp_path / "map.yaml"
    mapping.write_text("response_id: Response ID\n")
    with pytest.raises(ValidationError, match="no such column"):
        table_import(table="responses", path=path, source="s", mapping_path=mapping)
    mapping.write_text("- not\n- a mapping\n")
    with pytest.raises(ValidationError, match="pairs of import column"):
        table_import(table="responses", path=path, source="s", mapping_path=mapping)
    assert counts()["responses"] == 0


def test_jsonl_and_parquet(org, tmp_path):
    jsonl = tmp_path / "answers.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "response_id": "j1",
                "customer_id": "c1",
                "touchpoint": "website",
                "timestamp": "2025-03-01T09:00:00+01:00",
                "metric": "nps",
                "score": 8,
                "lang_hint": {"a": 1},
            }
        )
        + "\n\n"
    )
    table_import(table="responses", path=jsonl, source="s")
    row = responses()[0]
    assert row["timestamp"].isoformat() == "2025-03-01T08:00:00"  # offsets are converted to UTC
    assert json.loads(row["attributes"]) == {"lang_hint": '{"a": 1}'}
    table = pa.table(
        {
            "response_id": ["p1"],
            "customer_id": ["c1"],
            "touchpoint": ["store"],
            "timestamp": pa.array([pa.scalar(0, pa.timestamp("s")).as_py()]),
            "metric": ["csat"],
            "score": [5],
        }
    )
    parquet = tmp_path / "answers.parquet"
    pq.write_table(table, parquet)
    table_import(table="responses", path=parquet, source="s")
    assert counts()["responses"] == 2


def test_bad_jsonl_and_parquet(org, tmp_path):
    jsonl = tmp_path / "answers.jsonl"
    jsonl.write_text('{"response_id": "j1"}\n{"response_id": \n')
    assert_rejected(jsonl, where="answers.jsonl:line 2", reason="not valid JSON")
    jsonl.write_text('["a", "list"]\n')
    assert_rejected(jsonl, where="answers.jsonl:line 1", reason="must be a JSON object")
    parquet = tmp_path / "answers.parquet"
    parquet.write_bytes(b"PAR1 this is not really parquet")
    assert_rejected(parquet, where="answers.parquet", reason="not a readable Parquet file")
    table = pa.table(
        {
            "response_id": ["p1"],
            "customer_id": ["c1"],
            "touchpoint": ["store"],
            "timestamp": ["2025-01-01"],
            "metric": ["nps"],
            "score": [42],
        }
    )
    pq.write_table(table, parquet)
    assert_rejected(parquet, where="answers.parquet:row 1", reason="out of range")


def test_a_json_object_array_or_boolean_is_not_an_id(org, tmp_path):
    path = write(
        tmp_path,
        '{"customer_id": 12, "first_name": "Ann"}\n'
        '{"customer_id": {"id": 1}, "first_name": "Bob", "last_name": ["x"]}\n'
        '{"customer_id": true, "first_name": "Cy"}\n',
        name="customers.jsonl",
    )
    with pytest.raises(ValidationError) as caught:
        table_import(table="customers", path=path, source="crm")
    problems = [p.as_dict() for p in caught.value.problems]
    assert [(p["where"].rsplit(":", 1)[-1], p["column"]) for p in problems] == [
        ("line 2", "customer_id"),
        ("line 3", "customer_id"),
    ]
    assert all("not a text or a number" in p["reason"] for p in problems)
    assert counts().get("customers", 0) == 0


def test_customers_and_interactions(org, tmp_path):
    customers = write(
        tmp_path,
        "customer_id,first_name,last_name,email,birth_date,created_at,loyalty_tier\n"
        "c1,Zoé,Lefèvre,zoe@example.fr,1990-05-17,2020-01-01,gold\n",
        name="customers.csv",
    )
    table_import(table="customers", path=customers, source="crm")
    events = write(
        tmp_path,
        'event_id,customer_id,touchpoint,timestamp,type,cost\ne1,c1,website,2025-01-01T10:00:00Z,visit,0\ne2,c1,call_centre,2025-01-02,call,"4,20"\n',
        name="events.csv",
    )
    table_import(table="interactions", path=events, source="crm")
    assert counts()["customers"] == 1 and counts()["interactions"] == 2
    bad = write(tmp_path, "customer_id,birth_date\nc2,1990-05-32\n", name="bad.csv")
    assert_rejected(bad, table="customers", where="bad.csv:line 2", reason="no such day")
    bad = write(tmp_path, "customer_id,birth_date\nc2,1990-5\n", name="bad.csv")
    assert_rejected(bad, table="customers", where="bad.csv:line 2", reason="not an ISO 8601 date")
    french = write(tmp_path, "customer_id,birth_date\nc2,17/05/1990\n", name="french.csv")
    assert_rejected(french, table="customers", where="french.csv:line 2", reason="--date-order")
    neg = write(
        tmp_path,
        "event_id,customer_id,touchpoint,timestamp,cost\ne3,c1,website,2025-01-01,-3\n",
        name="neg.csv",
    )
    assert_rejected(neg, table="interactions", where="neg.csv:line 2", reason="must be at least 0")


def test_hostile_strings_are_stored_verbatim_not_interpreted(org, tmp_path):
    hostile = "<script>alert(1)</script>'); DROP TABLE responses; --"
    path = write(tmp_path, HEADER + f'\nr1,c1,website,2025-03-01,nps,1,"{hostile}"\n')
    table_import(table="responses", path=path, source="s")
    assert responses()[0]["verbatim"] == hostile
    assert counts()["responses"] == 1


def test_import_requires_permission(org, tmp_path, django_user_model):
    from cxpilot.kernel.errors import PermissionDenied
    from cxpilot.organisation.users import user_upsert

    viewer, _ = user_upsert(username="v", role="viewer")
    path = write(tmp_path, "\n".join([HEADER, *GOOD]))
    with pytest.raises(PermissionDenied):
        table_import(table="responses", path=path, source="s", actor=viewer)
    analyst, _ = user_upsert(username="a", role="analyst")
    assert table_import(table="responses", path=path, source="s", actor=analyst).rows_added == 3


def test_a_mixed_encoding_file_is_refused_at_its_first_foreign_line(org, tmp_path):
    # header and first row saved as UTF-8, the second row pasted from a Latin-1 file
    path = tmp_path / "answers.csv"
    path.write_bytes(
        (HEADER + "\n" + GOOD[0] + "\n").encode()
        + "r2,c2,store,2025-03-02,nps,8,Très bien livré\n".encode("latin-1")
    )
    assert_rejected(path, where="answers.csv:line 3", reason="this line is not UTF-8")
    result = runner.invoke(app, ["import", "responses", str(path), "--source", "s"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {path}:line 3: this line is not UTF-8 while the lines before are: "
        "save the file in one encoding (UTF-8)"
    ]
    assert responses() == []


def test_a_nul_character_is_refused_where_it_is(org, tmp_path):
    # a NUL byte makes a CSV a binary file; in JSON Lines it hides as an escape
    row = {"response_id": "r1", "customer_id": "c1", "touchpoint": "website"}
    row |= {"timestamp": "2025-03-01", "metric": "nps", "score": 9}
    path = tmp_path / "answers.jsonl"
    path.write_text(
        json.dumps(row) + "\n" + json.dumps({**row, "response_id": "r2", "verbatim": "ok\x00"})
    )
    assert_rejected(path, where="answers.jsonl:line 2 verbatim", reason="NUL character")
    assert responses() == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # one line, one quoted value over the limit (as a 50 MB file of one line)
        ('"{big}"', 1),
        (HEADER + '\nr1,c1,website,2025-03-01,nps,9,"{big}"\n', 2),
        # a quote left open swallows the rest of the file into one value
        (HEADER + "\n" + GOOD[0] + '\nr2,c2,store,2025-03-02,nps,8,"{big}\n', 3),
    ],
    ids=["single line", "long value", "open quote"],
)
def test_a_value_over_the_csv_field_limit_is_an_error_not_a_crash(org, tmp_path, text, line):
    path = tmp_path / "big.csv"
    path.write_text(text.replace("{big}", "x" * (csv.field_size_limit() + 1)))
    assert_rejected(path, where=f"big.csv:line {line}", reason="a value is longer than")
    result = runner.invoke(app, ["import", "responses", str(path), "--source", "s"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:line {line}: a value is")
    assert "Traceback" not in result.output


def test_a_quote_left_open_is_said_where_it_opened(org, tmp_path):
    # the quote opens on line 3; the rows after it fill the value until it is too long
    rows = [f"r{i},c{i},website,2025-03-01,nps,9,fine" for i in range(4, 6000)]
    path = write(
        tmp_path, "\n".join([HEADER, GOOD[0], 'r3,c3,store,2025-03-02,nps,8,"oops', *rows])
    )
    error = assert_rejected(path, where="answers.csv:line ", reason="a value is longer than")
    assert "in the row that starts at line 3" in str(error)
    assert counts()["responses"] == 0


def test_a_broken_csv_mapping_file_names_its_line(org, tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *GOOD]))
    mapping = tmp_path / "columns.csv"
    mapping.write_text('score,"' + "x" * (csv.field_size_limit() + 1) + '"\n')
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=path, source="s", mapping_path=mapping)
    assert info.value.where == f"{mapping}:line 1"


FRENCH_DAYS = "\n".join(
    [
        HEADER,
        "r1,c1,website,14/03/2025,nps,9,",
        "r2,c2,store,3/4/2025 14:30,nps,6,",
        "r3,c3,store,2025-03-20,nps,7,",  # ISO is read whatever the order
        "r4,c4,store,31.12.2024,nps,8,",
    ]
)


def test_days_written_day_first_are_refused_with_the_way_to_read_them(org, tmp_path):
    path = write(tmp_path, FRENCH_DAYS + "\n")
    error = assert_rejected(path, where="answers.csv:line 2", reason="--date-order dmy")
    assert error.problems[0].reason.startswith("is a day written with slashes or dots")
    result = runner.invoke(app, ["import", "responses", str(path), "--source", "s"])
    assert result.exit_code == 2 and "--date-order dmy" in result.stderr
    assert responses() == []


def test_the_date_order_reads_french_and_american_days(org, tmp_path):
    path = write(tmp_path, FRENCH_DAYS + "\n")
    result = runner.invoke(
        app, ["import", "responses", str(path), "--source", "s", "--date-order", "dmy"]
    )
    assert result.exit_code == 0, result.stderr
    stamps = [r["timestamp"].isoformat() for r in responses()]
    assert stamps == [
        "2025-03-14T00:00:00",
        "2025-04-03T14:30:00",
        "2025-03-20T00:00:00",
        "2024-12-31T00:00:00",
    ]
    american = write(tmp_path, HEADER + "\nm1,c1,website,03/14/2025,nps,9,\n", name="us.csv")
    assert (
        runner.invoke(
            app, ["import", "responses", str(american), "--source", "us", "--date-order", "mdy"]
        ).exit_code
        == 0
    )
    # a day read in the wrong order is refused, not guessed, showing the value as written
    wrong = write(tmp_path, HEADER + "\nw1,c1,website,03/14/2025,nps,9,\n", name="wrong.csv")
    result = runner.invoke(
        app, ["import", "responses", str(wrong), "--source", "w", "--date-order", "dmy"]
    )
    assert result.exit_code == 2
    with pytest.raises(ValidationError) as info:
        table_import(table="responses", path=wrong, source="w", date_order="dmy")
    (problem,) = info.value.problems
    assert problem.value == "03/14/2025" and "not an ISO 8601" in problem.reason
    bad = runner.invoke(app, ["import", "responses", str(path), "--date-order", "yyyy"])
    assert bad.exit_code == 2 and "the date order is ymd, dmy, mdy" in bad.stderr


TRANSACTIONS = "transaction_id,customer_id,timestamp,amount,margin\nt1,c1,2025-01-01,10,2\n"


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        ("t2,c1,2025-01-02,inf,1", "amount", "'inf'", "is not a finite number"),
        ("t2,c1,2025-01-02,-Infinity,1", "amount", "'-Infinity'", "is not a finite number"),
        ("t2,c1,2025-01-02,nan,1", "amount", "'nan'", "is not a finite number"),
        ("t2,c1,2025-01-02,1e400,1", "amount", "'1e400'", "is not a finite number"),
        ("t2,c1,2025-01-02,10,NaN", "margin", "'NaN'", "is not a finite number"),
        ("t2,c1,2025-01-02,1e308,1", "amount", "'1e308'", "must be at most 1e+12"),
        ("t2,c1,2025-01-02,-1e13,1", "amount", "'-1e13'", "must be at least -1e+12"),
        ("t2,c1,2025-01-02,10,2e12", "margin", "'2e12'", "must be at most 1e+12"),
    ],
)
def test_a_number_not_finite_or_absurdly_large_is_refused(
    org, tmp_path, row, column, value, reason
):
    path = write(tmp_path, TRANSACTIONS + row + "\n", name="sales.csv")
    error = assert_rejected(path, table="transactions", where="sales.csv:line 3", reason=reason)
    problem = error.problems[0].as_dict()
    assert problem["column"] == column
    assert value in str(problem)
    result = runner.invoke(app, ["import", "transactions", str(path), "--dry-run"])
    assert result.exit_code == 2, result.output
    assert "sales.csv:line 3" in result.output and reason in result.output


def test_an_infinite_cost_or_score_is_refused(org, tmp_path):
    events = write(
        tmp_path,
        "event_id,customer_id,touchpoint,timestamp,cost\ne1,c1,website,2025-01-01,inf\n",
        name="events.csv",
    )
    assert_rejected(events, table="interactions", where="events.csv:line 2", reason="finite")
    events.write_text(
        "event_id,customer_id,touchpoint,timestamp,cost\ne1,c1,website,2025-01-01,5e12\n"
    )
    assert_rejected(events, table="interactions", where="events.csv:line 2", reason="at most")
    answers = write(tmp_path, "\n".join([HEADER, "r9,c1,website,2025-03-01,nps,nan,"]) + "\n")
    assert_rejected(answers, where="answers.csv:line 2", reason="not a whole number")


def test_an_infinite_number_in_parquet_is_refused(org, tmp_path):
    table = pa.table(
        {
            "transaction_id": ["p1", "p2"],
            "customer_id": ["c1", "c1"],
            "timestamp": ["2025-01-01", "2025-01-02"],
            "amount": pa.array([10.0, float("inf")], pa.float64()),
        }
    )
    parquet = tmp_path / "sales.parquet"
    pq.write_table(table, parquet)
    assert_rejected(parquet, table="transactions", where="sales.parquet:row 2", reason="finite")
