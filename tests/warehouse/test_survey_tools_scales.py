"""Scales and word labels of survey tools' scored questions: a score is stored only on its
metric's scale, end labels are read where the export tells which end they are, and nothing is
dropped or rescaled silently; what cannot be read is refused, naming the fix, writing
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpilot.analytics.metrics import metric_groups
from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.connection import counts, warehouse
from cxpilot.warehouse.services import table_import
from cxpilot.warehouse.survey_tools import read_survey_mapping
from cxpilot.warehouse.survey_tools.scales import linear_table, stated_scale
from tests.warehouse.exports import FIXTURES, write_mapping

DOCS = Path(__file__).parents[2] / "docs" / "importing.md"
WIDE = {"COLUMNS": "250"}
runner = CliRunner()

END_LABELS = FIXTURES / "surveymonkey_nps_end_labels.csv"
EASE_1_TO_5 = FIXTURES / "google_forms_ces_1_to_5.csv"
RECOMMEND_1_TO_10 = FIXTURES / "google_forms_recommend_1_to_10.csv"


def variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of a fixture with every ``old`` answer cell replaced by ``new``."""
    text = source.read_bytes().decode("utf-8")
    assert f",{old}," in text
    path = tmp_path / source.name
    path.write_bytes(text.replace(f",{old},", f",{new},").encode("utf-8"))
    return path


def import_export(path: Path, tool: str, mapping: Path | None = None, **kwargs):
    return table_import(
        table="responses", path=path, survey_tool=tool, mapping_path=mapping, **kwargs
    )


def scores(metric: str) -> list[int]:
    with warehouse() as con:
        table = con.table("responses").to_pyarrow().to_pylist()
    return sorted(r["score"] for r in table if r["metric"] == metric)


def hand_nps(values: list[int]) -> float:
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    return round(100 * (promoters - detractors) / len(values), 1)


def warehouse_nps() -> float:
    (group,) = metric_groups(metric="nps")
    return round(group["score"], 1)


def assert_refused(path: Path, tool: str, mapping: Path | None, *texts: str) -> ValidationError:
    before = counts()
    with pytest.raises(ValidationError) as info:
        import_export(path, tool, mapping)
    message = f"{info.value}"
    for text in texts:
        assert text in message, message
    assert counts() == before
    return info.value


# --------------------------------------------------------------------------- end labels


def test_nps_end_labels_read_when_the_export_tells_which_end(org, tmp_path):
    # 70 answers: 'Not at all likely' once (the standard bottom anchor: 0), 1–6 once each,
    # 7, 8 and 9 fourteen times each, and 'Absolutely' 21 times, where no 10 appears
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    report = import_export(END_LABELS, "surveymonkey", mapping)
    assert (report.rows_read, report.rows_added, report.rows_rejected) == (70, 70, 0)
    stored = scores("nps")
    assert stored.count(10) == 21 and stored.count(0) == 1 and 11 not in stored
    # by hand: 35 promoters (21 × 10, 14 × 9), 7 detractors (0 to 6), 70 answers
    assert hand_nps(stored) == 40.0
    assert warehouse_nps() == 40.0  # dropping the 21 'Absolutely' gave 14.3


def test_nps_end_labels_in_the_dry_run(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    args = ["import", "responses", str(END_LABELS), "--from", "surveymonkey"]
    result = runner.invoke(app, [*args, "--mapping", str(mapping), "--dry-run"], env=WIDE)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert (
        "'Absolutely' (21 answers) read as 10: the scale's top label, no 10 among the answers"
        in out
    )
    assert (
        "'Not at all likely' (1 answer) read as 0: the standard bottom label of the NPS scale"
        in out
    )
    assert "scale 0–10 (NPS is 0–10 by definition" in out
    result = runner.invoke(
        app, [*args, "--mapping", str(mapping), "--dry-run", "--format", "json"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (question,) = data["survey"]["scored_questions"]
    scale = question["scale"]
    assert (scale["scale"], scale["metric_scale"], scale["conversion"]) == ("0-10", "0-10", None)
    assert {(x["label"], x["count"], x["score"]) for x in scale["labels"]} == {
        ("Absolutely", 21, 10),
        ("Not at all likely", 1, 0),
    }
    assert counts()["responses"] == 0


def test_end_labels_the_export_does_not_place_are_refused_then_mapped(org, tmp_path):
    path = variant(tmp_path, END_LABELS, "Not at all likely", "Not likely")
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    assert_refused(
        path,
        "surveymonkey",
        mapping,
        "surveymonkey_nps_end_labels.csv:How likely is it that you would recommend",
        "21 answers are 'Absolutely', 1 answer is 'Not likely', not a score of its 0–10 scale: "
        "say which score each is with scales in --mapping (scales: {Q1: {labels: "
        "{'Absolutely': <score>, 'Not likely': <score>}}}",
    )
    args = ["import", "responses", str(path), "--from", "surveymonkey", "--mapping", str(mapping)]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 2
    assert "21 answers are 'Absolutely'" in " ".join(result.output.split())
    assert counts()["responses"] == 0
    labelled = write_mapping(
        tmp_path,
        "touchpoint: website\nscales:\n  Q1:\n    labels: {Absolutely: 10, not likely: 0}\n",
    )
    import_export(path, "surveymonkey", labelled)
    assert hand_nps(scores("nps")) == warehouse_nps() == 40.0


def test_an_answer_mapped_to_skip_gives_no_row_and_says_so(org, tmp_path):
    path = variant(tmp_path, END_LABELS, "Not at all likely", "N/A")
    mapping = write_mapping(
        tmp_path, "touchpoint: website\nscales: {Q1: {labels: {N/A: skip, Absolutely: 10}}}\n"
    )
    args = ["import", "responses", str(path), "--from", "surveymonkey", "--mapping", str(mapping)]
    result = runner.invoke(app, [*args, "--dry-run"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Q1: 1 answer 'N/A' not imported (mapping: skip)" in " ".join(result.output.split())
    report = import_export(path, "surveymonkey", mapping)
    assert report.rows_added == 69
    # 35 promoters, 6 detractors (1 to 6), 69 answers
    assert hand_nps(scores("nps")) == warehouse_nps() == round(100 * 29 / 69, 1)


def test_a_lone_label_with_both_ends_missing_is_refused(org, tmp_path):
    # 0 never appears either: 'Absolutely' could be either end
    path = variant(tmp_path, END_LABELS, "Not at all likely", "1")
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    assert_refused(path, "surveymonkey", mapping, "21 answers are 'Absolutely'")


def test_labels_the_question_text_gives(org, tmp_path):
    text = END_LABELS.read_bytes().decode("utf-8")
    question = "How likely is it that you would recommend Maison Lumière to a friend or colleague?"
    text = text.replace(question, f'"{question} (0 = Never, 10 = Absolutely)"').replace(
        ",Not at all likely,", ",Never,"
    )
    path = tmp_path / "stated.csv"
    path.write_bytes(text.encode("utf-8"))
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    args = ["import", "responses", str(path), "--from", "surveymonkey", "--mapping", str(mapping)]
    result = runner.invoke(app, [*args, "--dry-run"], env=WIDE)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "'Never' (1 answer) read as 0: the question text says 0 = Never" in out
    assert "'Absolutely' (21 answers) read as 10: the question text says 10 = Absolutely" in out


# --------------------------------------------------------------------------- CES on 1–5


def test_a_1_to_5_ease_question_is_not_ces(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    assert_refused(
        EASE_1_TO_5,
        "google-forms",
        mapping,
        "google_forms_ces_1_to_5.csv:How easy was it to find",
        "Q2 (How easy was it to find what you were looking for on our…): no answer "
        "above 5 and no scale stated: a 1–5 ease scale is not CES (1–7)",
        "scales: {Q2: {scale: 1-7}} if it was asked on 1–7",
        "scales: {Q2: {scale: 1-5, convert: linear}} to convert a 1–5 scale (1→1, 2→3, 3→4, "
        "4→5, 5→7; not a standard CX practice)",
        "questions: {Q2: attribute}",
    )
    args = ["import", "responses", str(EASE_1_TO_5), "--from", "google-forms"]
    result = runner.invoke(app, [*args, "--mapping", str(mapping), "--dry-run"], env=WIDE)
    assert result.exit_code == 2
    assert "a 1–5 ease scale is not CES (1–7)" in " ".join(result.output.split())


def test_a_1_to_5_ease_question_kept_as_an_attribute(org, tmp_path):
    # the NPS question never has a 0 but reaches 10: still 0–10, not refused
    mapping = write_mapping(tmp_path, "touchpoint: website\nquestions: {Q2: attribute}\n")
    report = import_export(EASE_1_TO_5, "google-forms", mapping)
    assert report.rows_added == 12 and scores("ces") == []
    # by hand: promoters 10 ×4 and 9 ×3, detractors 6 and 3, 12 answers
    assert hand_nps(scores("nps")) == warehouse_nps() == round(100 * 5 / 12, 1)
    with warehouse() as con:
        table = con.table("responses").to_pyarrow().to_pylist()
    assert sorted(
        json.loads(r["attributes"])[
            "How easy was it to find what you were looking for on our website?"
        ]
        for r in table
    )[:3] == ["1", "2", "3"]


def test_a_1_to_5_ease_question_converted_when_the_mapping_says_so(org, tmp_path):
    mapping = write_mapping(
        tmp_path, "touchpoint: website\nscales: {Q2: {scale: 1-5, convert: linear}}\n"
    )
    args = ["import", "responses", str(EASE_1_TO_5), "--from", "google-forms"]
    result = runner.invoke(
        app, [*args, "--mapping", str(mapping), "--dry-run", "--format", "json"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    questions = json.loads(result.stdout)["survey"]["scored_questions"]
    ces = next(q for q in questions if q["metric"] == "ces")["scale"]
    assert ces["scale"] == "1-5" and ces["metric_scale"] == "1-7"
    assert ces["conversion"]["points"] == {"1": 1, "2": 3, "3": 4, "4": 5, "5": 7}
    nps = next(q for q in questions if q["metric"] == "nps")["scale"]
    assert (nps["scale"], nps["conversion"]) == ("0-10", None)
    assert "answers 3 to 10" in nps["why"]
    report = import_export(EASE_1_TO_5, "google-forms", mapping)
    assert report.rows_added == 24
    # answers 5 ×5, 4 ×4, 3, 2, 1 on 1–5
    assert scores("ces") == [1, 3, 4] + [5] * 4 + [7] * 5


def test_a_declared_1_to_7_scale_is_taken_as_it_is(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\nscales: {Q2: {scale: 1-7}}\n")
    import_export(EASE_1_TO_5, "google-forms", mapping)
    assert scores("ces") == [1, 2, 3] + [4] * 4 + [5] * 5


# --------------------------------------------------------------------------- NPS on 1–10


def test_a_1_to_10_recommend_scale_is_not_nps(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: store\n")
    error = assert_refused(
        RECOMMEND_1_TO_10,
        "google-forms",
        mapping,
        "google_forms_recommend_1_to_10.csv:I would recommend",
        "a 1–10 scale (the question text says 1 = strongly disagree, 10 = strongly agree), but "
        "NPS is 0–10 by definition (Reichheld)",
        "scales: {Q1: {scale: 1-10, convert: linear}}: 1→0, 2→1, 3→2, 4→3, 5→4, 6→6, 7→7, "
        "8→8, 9→9, 10→10",
        "questions: {Q1: attribute}",
        "ignore: [Q1]",
    )
    assert len(error.problems) == 1
    args = ["import", "responses", str(RECOMMEND_1_TO_10), "--from", "google-forms"]
    result = runner.invoke(app, [*args, "--mapping", str(mapping)], env=WIDE)
    assert result.exit_code == 2
    assert "NPS is 0–10 by definition" in " ".join(result.output.split())
    assert counts()["responses"] == 0


def test_a_1_to_10_recommend_scale_ignored(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: store\nignore: [Q1]\n")
    report = import_export(RECOMMEND_1_TO_10, "google-forms", mapping)
    assert report.rows_added == 12 and scores("nps") == []
    assert scores("csat") == [1, 1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 5]


def test_a_1_to_10_recommend_scale_converted(org, tmp_path):
    mapping = write_mapping(
        tmp_path, "touchpoint: store\nscales: {Q1: {scale: 1-10, convert: linear}}\n"
    )
    report = import_export(RECOMMEND_1_TO_10, "google-forms", mapping)
    assert report.rows_added == 24
    # answers 10, 7, 1, 9, 5, 8, 10, 6, 3, 9, 2, 8 read as 10, 7, 0, 9, 4, 8, 10, 6, 2, 9, 1, 8:
    # 4 promoters, 5 detractors
    assert scores("nps") == [0, 1, 2, 4, 6, 7, 8, 8, 9, 9, 10, 10]
    assert hand_nps(scores("nps")) == warehouse_nps() == round(-100 / 12, 1)


def test_a_conversion_table_of_ones_own(org, tmp_path):
    table = "{1: 0, 2: 1, 3: 2, 4: 3, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10}"
    mapping = write_mapping(
        tmp_path, f"touchpoint: store\nscales: {{Q1: {{scale: 1-10, convert: {table}}}}}\n"
    )
    import_export(RECOMMEND_1_TO_10, "google-forms", mapping)
    assert scores("nps") == [0, 1, 2, 5, 6, 7, 8, 8, 9, 9, 10, 10]


def test_nps_answered_1_to_10_without_evidence_is_still_0_to_10(org, tmp_path):
    text = RECOMMEND_1_TO_10.read_bytes().decode("utf-8")
    text = text.replace(" (1 = Strongly disagree, 10 = Strongly agree)", "")
    path = tmp_path / "no_scale_stated.csv"
    path.write_bytes(text.encode("utf-8"))
    mapping = write_mapping(tmp_path, "touchpoint: store\n")
    import_export(path, "google-forms", mapping)
    assert scores("nps") == [1, 2, 3, 5, 6, 7, 8, 8, 9, 9, 10, 10]


def test_answers_outside_the_stated_scale_are_refused(org, tmp_path):
    text = (
        RECOMMEND_1_TO_10.read_bytes()
        .decode("utf-8")
        .replace("shopper3@example.com,1,", "shopper3@example.com,0,")
    )
    path = tmp_path / "zero.csv"
    path.write_bytes(text.encode("utf-8"))
    mapping = write_mapping(
        tmp_path, "touchpoint: store\nscales: {Q1: {scale: 1-10, convert: linear}}\n"
    )
    assert_refused(
        path,
        "google-forms",
        mapping,
        "answers outside the 1–10 scale (mapping: scales.Q1.scale): 0 (1×)",
    )


# --------------------------------------------------------------------------- bad mappings


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("scales: [Q1]\n", "survey.yaml:scales", "scales maps scored columns"),
        ("scales: {Q1: nps}\n", "survey.yaml:scales.Q1", "a question's scale takes scale"),
        ("scales: {Q1: {range: 1-5}}\n", "survey.yaml:scales.Q1", "a question's scale takes scale"),
        (
            "scales: {Q1: {scale: 5-1}}\n",
            "survey.yaml:scales.Q1.scale",
            "a scale is written low-high",
        ),
        (
            "scales: {Q1: {scale: high}}\n",
            "survey.yaml:scales.Q1.scale",
            "a scale is written low-high",
        ),
        (
            "scales: {Q1: {convert: linear}}\n",
            "survey.yaml:scales.Q1.convert",
            "convert needs the scale",
        ),
        (
            "scales: {Q1: {scale: 1-5, convert: square}}\n",
            "scales.Q1.convert",
            "convert is linear or a table",
        ),
        ("scales: {Q1: {labels: [Absolutely]}}\n", "scales.Q1.labels", "labels maps each label"),
        (
            "scales: {Q1: {labels: {Absolutely: top}}}\n",
            "scales.Q1.labels.Absolutely",
            "a whole number or skip",
        ),
    ],
)
def test_bad_scales_in_the_mapping_file(tmp_path, text, where, reason):
    path = write_mapping(tmp_path, text)
    with pytest.raises(ValidationError) as info:
        read_survey_mapping(path)
    assert where in str(info.value.where)
    assert reason in info.value.detail


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("scales: {Q3: {scale: 1-5}}\n", "'Q3' is not a scored question"),
        ("scales: {Q9: {scale: 1-5}}\n", "the export has no column 'Q9'"),
        (
            "scales: {Q1: {scale: 0-10, convert: linear}}\n",
            "the scale is already NPS's (0–10): nothing to convert",
        ),
        ("scales: {Q2: {scale: 1-5}}\n", "a 1–5 scale (mapping: scales.Q2.scale), but CES is 1–7"),
        (
            "scales: {Q2: {scale: 1-5, convert: {1: 1, 2: 3, 5: 9}}}\n",
            "missing [3, 4]; out of CES's range [9]",
        ),
        (
            "scales: {Q1: {labels: {Absolutely: 11}}}\n",
            "'Absolutely' is given 11, outside the question's 0–10 scale",
        ),
    ],
)
def test_scales_the_export_contradicts(org, tmp_path, text, reason):
    mapping = write_mapping(tmp_path, "touchpoint: website\n" + text)
    assert_refused(EASE_1_TO_5, "google-forms", mapping, reason)


def test_every_question_in_doubt_is_named(org, tmp_path):
    text = (
        RECOMMEND_1_TO_10.read_bytes()
        .decode("utf-8")
        .replace("how satisfied are you with our stores?", "how easy was it to shop in our stores?")
    )
    path = tmp_path / "two.csv"
    path.write_bytes(text.encode("utf-8"))
    mapping = write_mapping(tmp_path, "touchpoint: store\n")
    error = assert_refused(path, "google-forms", mapping, "2 scored questions cannot be read")
    assert [p.where for p in error.problems] == [
        f"{path}:I would recommend Maison Lumière to a friend. (1 = Strongly disagree, 10 = Strongly agree)",
        f"{path}:Overall, how easy was it to shop in our stores?",
    ]


# --------------------------------------------------------------------------- pure rules


def test_linear_conversion_rounds_halves_toward_the_middle():
    assert linear_table((1, 5), (1, 7)) == {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}
    assert linear_table((1, 10), (0, 10)) == {
        1: 0,
        2: 1,
        3: 2,
        4: 3,
        5: 4,
        6: 6,
        7: 7,
        8: 8,
        9: 9,
        10: 10,
    }
    assert linear_table((1, 7), (1, 5)) == {1: 1, 2: 2, 3: 2, 4: 3, 5: 4, 6: 4, 7: 5}


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        ("How easy was it? (1 = Very difficult, 5 = Very easy)", (1, 5)),
        ("On a scale from 1 to 10, how likely are you to recommend us?", (1, 10)),
        ("From 0 (not at all likely) to 10 (extremely likely), would you recommend us?", (0, 10)),
        ("Sur une échelle de 1 à 7, à quel point a-t-il été facile de nous joindre ?", (1, 7)),
        ("How likely are you to recommend us to a friend?", None),
        ("Did we answer within 2 to 3 days?", None),
    ],
)
def test_scales_stated_in_question_texts(text, scale):
    found = stated_scale(text)
    assert (found[0] if found else None) == scale
