"""The CLI contracts of ``cxpilot maturity`` and ``cxpilot culture``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.maturity.catalog import MODEL_FILE, model_load

pytestmark = pytest.mark.pure

runner = CliRunner()
PRACTICES = list(model_load().practices)


def answers_csv(tmp_path, groups, name="answers.csv"):
    """groups: (department, respondents, rating) → one row per respondent and practice."""
    lines = ["respondent,department,practice,rating"]
    for dept, count, rating in groups:
        for i in range(count):
            lines += [f"{dept}-{i},{dept},{p},{rating}" for p in PRACTICES]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_json_contract(tmp_path):
    # ops: 5 × systematic (4); it: 5 × "ad hoc" (2); hr: 2 × 1 (hidden, but counted overall)
    path = answers_csv(tmp_path, [("ops", 5, "systematic"), ("it", 5, "ad hoc"), ("hr", 2, 1)])
    result = runner.invoke(app, ["maturity", "score", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"overall_level", "overall_score", "customer_centricity", "alignment_gap"} <= set(out)
    # every practice: mean (5·4 + 5·2 + 2·1) / 12 = 2.667 → (2.667 − 1)/3 × 100 = 55.6
    assert out["overall_score"] == 55.6 and out["overall_level"] == 3
    assert out["customer_centricity"] == 55.6
    # ops 100, it 33.3 → gap 66.7 (hr hidden: fewer than 5)
    assert out["alignment_gap"] == 66.7
    assert len(out["dimensions"]) == 8
    first = out["dimensions"][0]
    assert set(first) >= {"dimension", "score", "level", "by_department"}
    assert first["dimension"] == "strategy" and first["score"] == 55.6 and first["level"] == 3
    assert first["by_department"] == {"hr": None, "it": 33.3, "ops": 100.0}
    assert out["suppressed"] == [
        {"department": "hr", "respondents": 2, "reason": "fewer than 5 respondents"}
    ]


def test_answers_saved_by_a_spreadsheet_in_cp1252(tmp_path):
    # Excel on Windows saves CSV in the code page: read by the kernel's one text decoder
    path = answers_csv(tmp_path, [("opé", 5, 3)])
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    result = runner.invoke(app, ["maturity", "score", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dimensions"][0]["by_department"] == {"opé": 66.7}


def test_score_table_and_csv(tmp_path):
    path = answers_csv(tmp_path, [("ops", 5, 3)])
    result = runner.invoke(app, ["maturity", "score", str(path)])
    assert result.exit_code == 0 and "customer_understanding"[:12] in result.stdout
    result = runner.invoke(app, ["maturity", "score", str(path), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[-1]["dimension"] == "overall" and rows[-1]["score"] == "66.70"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("respondent,department,practice,rating\nr1,ops,cx_vision,3\nr1,ops,telepathy,3\n",
         "answers.csv:line 3: column practice: unknown practice ('telepathy')"),
        ("respondent,department,practice,rating\nr1,ops,cx_vision,5\n",
         "answers.csv:line 2: column rating: must be 1 to 4"),
        ("respondent,department,practice\nr1,ops,cx_vision\n",
         "answers.csv:line 1: missing column 'rating'"),
        ("respondent,department,practice,rating\nr1,ops,cx_vision,3\nr1,ops,cx_vision,2\n",
         "answers.csv:line 3: column practice: this respondent already rated this practice"),
        ('respondent,department,practice,rating\nr1,ops,cx_vision,"' + "3" * 200_000 + '"\n',
         "answers.csv:line 2: a value is longer than"),
    ],
)  # fmt: skip
def test_score_bad_input_exits_2_naming_line_and_column(tmp_path, body, message):
    path = tmp_path / "answers.csv"
    path.write_text(body, encoding="utf-8")
    result = runner.invoke(app, ["maturity", "score", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert message in result.stderr.replace("\n", " ")
    assert result.stdout == ""


def votes_csv(tmp_path, rows):
    path = tmp_path / "votes.csv"
    path.write_text(
        "respondent,department,lens,value\n" + "".join(f"{','.join(r)}\n" for r in rows),
        encoding="utf-8",
    )
    return path


def test_entropy_json_contract(tmp_path):
    rows = []
    for i in range(5):
        rows += [(f"r{i}", "ops", "current", v) for v in ("blame", "trust")]
        rows += [(f"r{i}", "ops", "desired", v) for v in ("trust", "empathy")]
    rows.append(("r0", "ops", "current", "silo_thinking"))
    result = runner.invoke(
        app, ["culture", "entropy", str(votes_csv(tmp_path, rows)), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # current: blame 5 + silo_thinking 1 limiting, trust 5 positive → 6 / 11 = 54.5 %
    assert out["entropy"] == 54.5 and out["band"] == "critical"
    assert [(r["value"], r["votes"]) for r in out["top_current"]] == [
        ("blame", 5), ("trust", 5), ("silo_thinking", 1),
    ]  # fmt: skip
    assert [(r["value"], r["votes"]) for r in out["top_desired"]] == [("empathy", 5), ("trust", 5)]
    assert [m["value"] for m in out["matches"]] == ["trust"]
    assert out["jumps"] == [
        {"value": "empathy", "desired_votes": 5, "current_votes": 0, "kind": "positive"}
    ]


def test_entropy_bad_input(tmp_path):
    eleven = ["trust", "blame", "control", "confusion", "respect", "quality", "learning",
              "agility", "courage", "empathy", "integrity"]  # fmt: skip
    path = votes_csv(tmp_path, [("r1", "ops", "current", v) for v in eleven])
    result = runner.invoke(app, ["culture", "entropy", str(path)])
    assert result.exit_code == 2
    assert "votes.csv:line 12: column value: respondent 'r1' picked more than 10 current" in (
        result.stderr.replace("\n", " ")
    )
    path = votes_csv(tmp_path, [("r1", "ops", "current", "telepathy")])
    result = runner.invoke(app, ["culture", "entropy", str(path)])
    assert result.exit_code == 2 and "line 2: column value: unknown value" in result.stderr
    path = votes_csv(tmp_path, [("r1", "ops", "future", "trust")])
    result = runner.invoke(app, ["culture", "entropy", str(path)])
    assert result.exit_code == 2 and "column lens: must be current or desired" in result.stderr


def test_roadmap_and_values_and_model(tmp_path):
    path = answers_csv(tmp_path, [("ops", 5, 1)])
    result = runner.invoke(app, ["maturity", "roadmap", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["quick_win"] is True and rows[0]["horizon"] == "d30"
    result = runner.invoke(app, ["culture", "values", "--format", "json"])
    values = json.loads(result.stdout)
    assert len(values) == 40 and {"bureaucracy", "blame", "silo_thinking"} <= {
        v["value"] for v in values if v["kind"] == "limiting"
    }
    result = runner.invoke(app, ["maturity", "model", "--format", "json"])
    assert len(json.loads(result.stdout)) == len(PRACTICES)


def test_custom_model_with_an_error_names_line_and_key(tmp_path):
    lines = MODEL_FILE.read_text(encoding="utf-8").splitlines()  # one weight broken below
    index = next(i for i, line in enumerate(lines) if "key: cx_budget" in line)
    lines[index + 1] = "        weight: -1"
    path = tmp_path / "mine.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["maturity", "model", "--model", str(path)])
    assert result.exit_code == 2
    assert (
        f"mine.yaml:line {index + 1}: dimensions[0].practices[3].weight: must be a positive number"
        in result.stderr.replace("\n", " ")
    )
    answers = answers_csv(tmp_path, [("ops", 5, 3)])
    result = runner.invoke(app, ["maturity", "score", str(answers), "--model", str(path)])
    assert result.exit_code == 2 and "must be a positive number" in result.stderr
