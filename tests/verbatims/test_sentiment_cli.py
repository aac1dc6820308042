"""``cxpilot sentiment FILE``: the contract of its rows in every format, the shipped and the
fitted model, and a clear one-line error (exit code 2) for every bad input."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.verbatims.sentiment import SentimentModel

runner = CliRunner()

CSV = (
    "id,comment,lang,score\n"
    '1,"Livraison rapide, merci",fr,9\n'
    '2,"Rude staff and late delivery",,1\n'
    "3,,en,5\n"
    '4,"Colis jamais reçu.\nPlus jamais !",fr,0\n'
    '5,"=HYPERLINK(""http://x.example"",""clic"")",fr,8\n'
)


def run(*args: str):
    return runner.invoke(app, ["sentiment", *map(str, args)])


def one_line_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    assert "Traceback" not in result.output


@pytest.fixture
def answers_csv(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_rows_in_order_with_the_file_lines_language_label_and_score(db, answers_csv):
    result = run(answers_csv, "--column", "comment", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [set(r) for r in rows] == [{"row", "language", "label", "score"}] * 5
    # the lines of the file: row 4 spans lines 5 and 6, so row 5 starts on line 7
    assert [r["row"] for r in rows] == [2, 3, 4, 5, 7]
    assert [r["language"] for r in rows[:2]] == ["fr", "en"]
    assert [r["label"] for r in rows] == ["positive", "negative", "neutral", "negative", "neutral"]
    assert rows[2]["score"] == 0  # an empty text
    assert all(-1 <= r["score"] <= 1 for r in rows)
    assert all(r["language"] in ("fr", "en", "other") for r in rows)
    texts = ["Livraison rapide, merci", "Rude staff and late delivery"]
    expected = SentimentModel.lexicon_only().predict(texts, ["fr", "en"])[1]
    assert [r["score"] for r in rows[:2]] == [round(float(s), 4) for s in expected]
    # nothing fitted: the shipped lexicon, and stderr says so
    assert "shipped lexicon" in result.stderr


def test_csv_and_table_output(db, answers_csv):
    result = run(answers_csv, "--column", "comment", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["row", "language", "label", "score"]
    assert rows[1]["label"] == "negative" and rows[1]["score"].startswith("-0.")
    assert float(rows[1]["score"]) < 0  # a negative number stays a number
    for row in rows:  # no cell a spreadsheet would run
        assert not any(v.startswith(("=", "+", "@")) for v in row.values())
    table = run(answers_csv, "--column", "comment", "--model", "shipped")
    assert table.exit_code == 0 and "shipped lexicon" in " ".join(table.stdout.split())
    assert "positive" in table.stdout and "negative" in table.stdout


def test_a_language_column_is_used_and_empty_cells_detected(db, answers_csv):
    result = run(answers_csv, "--column", "comment", "--language-column", "LANG", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    # row 3 is empty: "en" from the column; row 2 has no language: detected
    assert [r["language"] for r in rows] == ["fr", "en", "en", "fr", "fr"]


def test_parquet_and_json_lines(db, tmp_path):
    texts = ["Colis jamais reçu", None, "Great staff, very helpful"]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": texts, "n": [1, 2, 3]}), path)
    result = run(path, "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert [r["label"] for r in rows] == ["negative", "neutral", "positive"]
    lines = tmp_path / "t.jsonl"
    lines.write_text(
        "\n".join(json.dumps({"text": t}) for t in ["Parfait, je recommande", "", "ok"])
        + "\n\n"
        + json.dumps({"text": "Colis jamais reçu"})
        + "\n"
    )
    rows = json.loads(run(lines, "-f", "json").stdout)
    assert [r["row"] for r in rows] == [1, 2, 3, 5]
    assert rows[0]["label"] == "positive" and rows[3]["label"] == "negative"


def test_the_fitted_model(analysed, answers_csv):
    from cxpilot.verbatims.models import TextModel

    model = SentimentModel.from_bytes(bytes(TextModel.current().sentiment))
    result = run(answers_csv, "--column", "comment", "--model", "fitted", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    texts = ["Livraison rapide, merci", "Rude staff and late delivery"]
    _, scores = model.predict(texts, ["fr", "en"])
    assert [r["score"] for r in rows[:2]] == [round(float(s), 4) for s in scores]
    default = run(answers_csv, "--column", "comment", "-f", "json")
    assert json.loads(default.stdout) == rows and "fitted model" in default.stderr
    table = run(answers_csv, "--column", "comment")
    assert "fitted model" in " ".join(table.stdout.split())


def test_fitted_without_a_fitted_model_says_how_to_fit_one(db, answers_csv):
    result = run(answers_csv, "--column", "comment", "--model", "fitted")
    one_line_error(result, "--model", "no fitted sentiment model", "cxpilot themes discover")


def test_fitted_after_a_fall_back_says_why(db, answers_csv):
    from cxpilot.verbatims.models import TextModel

    TextModel.objects.create(
        sentiment=SentimentModel.lexicon_only().to_bytes(),
        sentiment_model="lexicon",
        sentiment_reason="only negative and positive answers: no neutral text to learn from",
    )
    result = run(answers_csv, "--column", "comment", "--model", "fitted")
    one_line_error(result, "fell back to the shipped lexicon", "no neutral text")
    assert run(answers_csv, "--column", "comment").exit_code == 0  # default: the lexicon


@pytest.mark.parametrize(
    ("content", "args", "parts"),
    [
        (None, [], ["no such file"]),
        (b"", [], ["the file is empty"]),
        (b"text\n", [], ["no data rows"]),
        (CSV.encode(), [], ["no column 'text'", "id, comment, lang, score", "--column"]),
        (CSV.encode(), ["--column", "score"], ["column 'score'", "not text"]),
        (CSV.encode(), ["--language-column", "langue", "--column", "comment"], ["'langue'"]),
        (CSV.encode(), ["--column", "comment", "--model", "best"], ["--model", "'best'"]),
        (b"text\nbon\x00jour\n", [], ["binary"]),
        (
            "text\nTrès bien\n".encode() + "Très mal\n".encode("latin-1"),
            [],
            ["line 3", "not UTF-8"],
        ),
        (
            b'text\n"' + b"x" * (csv.field_size_limit() + 1) + b'"\n',
            [],
            ["line 2", "a value is longer than"],
        ),
    ],
    ids=[
        "missing file",
        "empty file",
        "header only",
        "unknown column",
        "numbers column",
        "unknown language column",
        "unknown model",
        "NUL",
        "mixed encodings",
        "too long field",
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(db, tmp_path, content, args, parts):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    one_line_error(run(path, *args), *parts)


def test_a_nul_in_a_json_lines_text_and_a_number_column_in_parquet(db, tmp_path):
    lines = tmp_path / "t.jsonl"
    lines.write_text(json.dumps({"text": "ok"}) + "\n" + json.dumps({"text": "bon\x00jour"}) + "\n")
    one_line_error(run(lines), "t.jsonl:line 2:text", "NUL")
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": [1.5, 2.0]}), path)
    one_line_error(run(path), "column 'text' holds double values, not text")
    odd = tmp_path / "t.xlsx"
    odd.write_text("x")
    one_line_error(run(odd), "cannot tell the file format")


@pytest.mark.parametrize(
    ("value", "kind"),
    [(True, "true/false"), (42, "a number"), ({"a": 1}, "an object"), (["a"], "a list")],
)
def test_a_json_lines_value_that_is_not_a_string_is_refused_with_its_line(
    db, tmp_path, value, kind
):
    lines = tmp_path / "t.jsonl"
    lines.write_text(
        json.dumps({"text": "Très bon accueil"}) + "\n" + json.dumps({"text": value}) + "\n"
    )
    one_line_error(run(lines), "t.jsonl:line 2:text", kind)
