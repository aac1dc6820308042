"""Imports from survey tools (Qualtrics, SurveyMonkey, Typeform, Google Forms): each tool's
CSV export, laid out as the tool documents it, becomes one responses row per scored question;
the mapping is shown before writing; malformed exports are rejected whole, with where and
why, and nothing is written."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.connection import counts, warehouse
from cxpilot.warehouse.services import table_import
from cxpilot.warehouse.survey_tools import (
    SurveyMapping,
    guess_language,
    load_export,
    parse_score,
    plan_export,
    read_survey_mapping,
)
from tests.warehouse.exports import fixture, variant, write_mapping

DEFAULT_TOUCHPOINT = SurveyMapping(where="survey.yaml", touchpoint="website")
WIDE = {"COLUMNS": "250"}  # rich tables unwrapped
runner = CliRunner()


def records(name: str) -> list[str]:
    """A CRLF fixture split into its records (quoted newlines inside are LF only)."""
    return fixture(name).read_bytes().decode("utf-8").split("\r\n")


def import_export(path: Path, tool: str, mapping: Path | None = None, **kwargs):
    return table_import(
        table="responses", path=path, survey_tool=tool, mapping_path=mapping, **kwargs
    )


def rows() -> dict[str, dict]:
    with warehouse() as con:
        table = con.table("responses").order_by("response_id").to_pyarrow().to_pylist()
    return {r["response_id"]: r for r in table}


def attributes(row: dict) -> dict:
    return json.loads(row["attributes"]) if row["attributes"] else {}


def assert_rejected(
    path: Path, tool: str, *, where: str, reason: str, mapping: Path | None = None
) -> ValidationError:
    before = counts()
    with pytest.raises(ValidationError) as info:
        import_export(path, tool, mapping)
    error = info.value
    text = (
        str(error)
        + " | "
        + " | ".join(
            f"{p['where']}: {p['column']} {p['reason']}"
            for p in (q.as_dict() for q in error.problems)
        )
    )
    assert where in text, text
    assert reason in text, text
    assert counts() == before
    return error


# --------------------------------------------------------------------------- each tool


def test_qualtrics_english_numeric_values(org):
    report = import_export(fixture("qualtrics_en"), "qualtrics")
    assert (report.rows_read, report.rows_added, report.rows_rejected) == (11, 11, 0)
    got = rows()
    assert sorted(got) == [
        "R_1a2B3c4D5e6F7g8:Q1",
        "R_1a2B3c4D5e6F7g8:Q3",
        "R_1a2B3c4D5e6F7g8:Q5_1",
        "R_1a2B3c4D5e6F7g8:Q5_2",
        "R_2b3C4d5E6f7G8h9:Q1",
        "R_2b3C4d5E6f7G8h9:Q3",
        "R_2b3C4d5E6f7G8h9:Q5_1",
        "R_2b3C4d5E6f7G8h9:Q5_2",
        "R_3c4D5e6F7g8H9i0:Q1",  # incomplete: only the NPS answered
        "R_4d5E6f7G8h9I0j1:Q1",  # incomplete: NPS and CES
        "R_4d5E6f7G8h9I0j1:Q3",
    ]  # R_5 answered no scored question: nothing
    first = got["R_1a2B3c4D5e6F7g8:Q1"]
    assert (first["metric"], first["score"], first["verbatim"]) == (
        "nps",
        10,
        "Friendly staff and quick delivery",
    )
    # 14:02:11 in Europe/Paris, the time zone of RecordedDate (third header row), is 13:02:11 UTC
    assert first["timestamp"].isoformat() == "2024-03-05T13:02:11"
    assert (first["customer_id"], first["touchpoint"], first["language"]) == (
        "C-1001",
        "website",
        "en",
    )
    assert (first["source"], first["channel"]) == ("qualtrics", "email")
    # each scored question its own survey, named after the file (no survey in the mapping)
    assert first["survey"] == (
        "qualtrics_en · Q1: How likely are you to recommend Maison Lumière to a friend or colleague?"
    )
    assert got["R_1a2B3c4D5e6F7g8:Q3"]["survey"].startswith("qualtrics_en · Q3: ")
    assert attributes(first) == {
        "StartDate": "2024-03-05 13:58:02",
        "EndDate": "2024-03-05 14:02:11",
        "Status": "IP Address",
        "IPAddress": "192.0.2.10",
        "Progress": "100",
        "Duration (in seconds)": "249",
        "Finished": "True",
        "RecipientLastName": "Martin",
        "RecipientFirstName": "Claire",
        "RecipientEmail": "claire.martin@example.com",
        "LocationLatitude": "48.8566",
        "LocationLongitude": "2.3522",
        "Q6": "A friend",
    }  # Q1_NPS_GROUP is derived, Q2 and Q4 are verbatims, the rest are columns of the row
    ces = got["R_1a2B3c4D5e6F7g8:Q3"]
    assert (ces["metric"], ces["score"], ces["verbatim"]) == ("ces", 6, None)
    # a matrix question: each row is a CSAT, about the touchpoint its text names
    assert got["R_1a2B3c4D5e6F7g8:Q5_1"]["metric"] == "csat"
    assert got["R_1a2B3c4D5e6F7g8:Q5_1"]["touchpoint"] == "website"
    assert got["R_1a2B3c4D5e6F7g8:Q5_2"]["touchpoint"] == "store"
    detractor = got["R_2b3C4d5E6f7G8h9:Q1"]
    assert (
        detractor["verbatim"] == 'Delivery was late.\nThe parcel was damaged, "again".\nNot happy.'
    )
    assert detractor["touchpoint"] == "call_centre"  # the embedded data field
    assert got["R_2b3C4d5E6f7G8h9:Q3"]["verbatim"] == "Answer the phone faster"
    partial = got["R_3c4D5e6F7g8H9i0:Q1"]
    assert partial["score"] == 9
    assert attributes(partial)["Finished"] == "False" and attributes(partial)["Progress"] == "25"
    anonymous = got["R_4d5E6f7G8h9I0j1:Q3"]
    assert anonymous["customer_id"] == "R_4d5E6f7G8h9I0j1"  # no ExternalReference
    assert anonymous["touchpoint"] == "store"  # "Store", by name
    assert anonymous["verbatim"] == "Too many steps to get a refund"
    assert anonymous["channel"] == "anonymous"


def test_qualtrics_french_choice_text_needs_a_touchpoint(org, tmp_path):
    error = assert_rejected(
        fixture("qualtrics_fr"), "qualtrics", where="qualtrics_fr.csv", reason="no touchpoint"
    )
    assert "Q1 (nps), Q3 (csat), Q5 (ces)" in error.detail
    mapping = write_mapping(tmp_path, "touchpoint: store\nsurvey: Baromètre magasins 2024\n")
    report = import_export(fixture("qualtrics_fr"), "qualtrics", mapping)
    assert report.rows_added == 10
    got = rows()
    scores = {key: (r["metric"], r["score"]) for key, r in got.items()}
    assert scores == {
        "R_9zYxWvUtSrQpOnM:Q1": ("nps", 10),  # "10 - Extrêmement probable"
        "R_9zYxWvUtSrQpOnM:Q3": ("csat", 5),  # "Très satisfait"
        "R_9zYxWvUtSrQpOnM:Q5": ("ces", 7),  # "Tout à fait d'accord"
        "R_8yXwVuTsRqPoNmL:Q1": ("nps", 0),  # "0 - Pas du tout probable"
        "R_8yXwVuTsRqPoNmL:Q3": ("csat", 2),  # "Insatisfait"
        "R_8yXwVuTsRqPoNmL:Q5": ("ces", 2),  # "Pas d'accord"
        "R_7xWvUtSrQpOnMlK:Q1": ("nps", 9),  # "9 (Très probable)"
        "R_6wVuTsRqPoNmLkJ:Q1": ("nps", 6),
        "R_6wVuTsRqPoNmLkJ:Q3": ("csat", 3),
        "R_6wVuTsRqPoNmLkJ:Q5": ("ces", 5),  # "Plutôt d'accord"
    }
    lost = got["R_8yXwVuTsRqPoNmL:Q1"]
    assert lost["verbatim"] == "Commande perdue,\npersonne ne répond au téléphone."
    assert got["R_8yXwVuTsRqPoNmL:Q3"]["verbatim"] == "Former le personnel"
    assert {r["language"] for r in got.values()} == {"fr"}
    assert {r["touchpoint"] for r in got.values()} == {"store"}
    assert {r["survey"].split(":")[0] for r in got.values()} == {
        "Baromètre magasins 2024 · Q1",
        "Baromètre magasins 2024 · Q3",
        "Baromètre magasins 2024 · Q5",
    }


def test_surveymonkey_english_expanded(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    report = import_export(fixture("surveymonkey_en"), "surveymonkey", mapping)
    assert report.rows_added == 6
    got = rows()
    assert sorted(got) == [
        "114296381934:Q1",
        "114296381934:Q4",
        "114296381935:Q1",
        "114296381935:Q4",
        "114296381936:Q1",  # only the NPS answered
        "114296381937:Q4",  # only the CES answered
    ]
    first = got["114296381934:Q1"]
    assert first["timestamp"].isoformat() == "2024-03-05T14:02:11"  # 03/05/2024 02:02:11 PM
    assert (first["customer_id"], first["touchpoint"], first["language"]) == (
        "C-2001",
        "website",
        "en",
    )
    assert first["verbatim"] == "Great products"
    ces = got["114296381935:Q4"]
    assert (ces["metric"], ces["score"], ces["touchpoint"]) == ("ces", 1, "call_centre")
    assert ces["timestamp"].isoformat() == "2024-03-15T09:12:40"
    assert ces["verbatim"] == "Nobody could find my order"
    assert got["114296381935:Q1"]["verbatim"] == (
        "Waited 40 minutes on the phone.\nThen the line dropped."
    )
    # the multi-column question's columns are attributes, named question - choice
    extra = attributes(got["114296381935:Q1"])
    assert extra["Which of our channels did you use? - Store"] == "Store"
    assert extra["Which of our channels did you use? - Other (please specify)"] == "Phone"
    assert extra["Email Address"] == "bob.smith@example.com"
    assert "Which of our channels did you use? - Website" not in extra  # empty
    assert got["114296381937:Q4"]["verbatim"] == "It took two calls"


def test_surveymonkey_french_day_first_dates_and_question_touchpoint(org, tmp_path):
    mapping = write_mapping(
        tmp_path,
        "touchpoint: store\nquestions:\n  Q4: {metric: csat, touchpoint: website}\n",
    )
    import_export(fixture("surveymonkey_fr"), "surveymonkey", mapping)
    got = rows()
    assert sorted(got) == [
        "114300000001:Q1",
        "114300000001:Q4",
        "114300000002:Q1",
        "114300000002:Q4",
        "114300000003:Q1",
    ]
    assert got["114300000001:Q1"]["timestamp"].isoformat() == "2024-03-05T14:06:40"
    assert got["114300000002:Q1"]["timestamp"].isoformat() == "2024-03-15T09:12:40"
    assert got["114300000001:Q1"]["touchpoint"] == "store"
    assert got["114300000001:Q4"]["touchpoint"] == "website"
    assert got["114300000002:Q1"]["verbatim"] == "Site lent ;\nle paiement a échoué deux fois."
    assert got["114300000002:Q4"]["verbatim"] == "Un paiement qui fonctionne"
    assert {r["language"] for r in got.values()} == {"fr"}


def test_typeform_hidden_fields(org):
    import_export(fixture("typeform_en"), "typeform")
    got = rows()
    assert len(got) == 7
    token = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
    assert {k for k in got if k.startswith(token)} == {f"{token}:Q1", f"{token}:Q3", f"{token}:Q4"}
    nps = got[f"{token}:Q1"]
    assert (nps["customer_id"], nps["touchpoint"], nps["verbatim"]) == (
        "C-3001",
        "website",
        "Lovely lamps, fast delivery",
    )
    assert nps["timestamp"].isoformat() == "2024-03-05T14:02:11"
    assert attributes(nps) == {
        "Start Date (UTC)": "2024-03-05 13:58:02",
        "Network ID": "4f1e2d3c4b",
    }
    assert got[f"{token}:Q3"]["metric"] == "ces"
    assert got[f"{token}:Q4"]["metric"] == "csat"
    second = got["b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7:Q1"]
    assert second["verbatim"] == 'The "express" delivery took\ntwo weeks'
    only_nps = got["c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8:Q1"]
    assert only_nps["touchpoint"] == "store"
    # not submitted: the start date stands for the answer's date
    assert only_nps["timestamp"].isoformat() == "2024-03-07T08:00:00"


def test_typeform_french_language_hidden_field(org):
    import_export(fixture("typeform_fr"), "typeform")
    got = rows()
    assert len(got) == 5
    second = got["e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0:Q1"]
    assert (second["metric"], second["score"], second["verbatim"]) == (
        "nps",
        2,
        "Trois appels,\naucune solution.",
    )
    ces = got["e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0:Q3"]
    assert (ces["metric"], ces["score"], ces["touchpoint"]) == ("ces", 1, "call_centre")
    assert {r["language"] for r in got.values()} == {"fr"}


def test_google_forms_english_month_first(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    import_export(fixture("google_forms_en"), "google-forms", mapping)
    got = rows()
    assert len(got) == 5
    by_customer = {(r["customer_id"], r["metric"]): r for r in got.values()}
    ann = by_customer[("ann@example.com", "nps")]
    assert ann["timestamp"].isoformat() == "2024-03-05T14:02:11"
    assert (ann["score"], ann["verbatim"], ann["touchpoint"]) == (10, "Great advice", "website")
    bob = by_customer[("bob@example.com", "csat")]
    assert bob["timestamp"].isoformat() == "2024-03-15T09:12:40"
    assert (bob["score"], bob["touchpoint"], bob["verbatim"]) == (
        2,
        "call_centre",
        "Please call me back",
    )
    assert by_customer[("bob@example.com", "nps")]["verbatim"] == "Slow\nand rude"
    # no response id in a Google Forms export: a digest of the row, the same at every read
    for key in got:
        assert re.fullmatch(r"[0-9a-f]{16}:Q[13]", key), key
    anonymous = next(r for r in got.values() if "@" not in r["customer_id"])
    assert anonymous["response_id"] == f"{anonymous['customer_id']}:Q1"
    assert anonymous["score"] == 8


def test_google_forms_french_day_first(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    import_export(fixture("google_forms_fr"), "google-forms", mapping)
    got = {(r["customer_id"], r["metric"]): r for r in rows().values()}
    theo = got[("theo@example.fr", "nps")]
    assert theo["timestamp"].isoformat() == "2024-03-15T09:12:40"
    assert theo["verbatim"] == "Colis abîmé,\nremboursement lent"
    assert got[("camille@example.fr", "ces")]["timestamp"].isoformat() == "2024-03-05T14:02:11"
    assert got[("theo@example.fr", "ces")]["verbatim"] == "Le suivi de commande"
    assert {r["language"] for r in got.values()} == {"fr"}


ALL = [
    ("qualtrics_en", "qualtrics", 11),
    ("qualtrics_fr", "qualtrics", 10),
    ("surveymonkey_en", "surveymonkey", 6),
    ("surveymonkey_fr", "surveymonkey", 5),
    ("typeform_en", "typeform", 7),
    ("typeform_fr", "typeform", 5),
    ("google_forms_en", "google-forms", 5),
    ("google_forms_fr", "google-forms", 5),
]


@pytest.mark.parametrize(("name", "tool", "expected"), ALL)
def test_reimport_adds_nothing(org, tmp_path, name, tool, expected):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    first = import_export(fixture(name), tool, mapping)
    again = import_export(fixture(name), tool, mapping)
    assert (first.rows_added, again.rows_added, again.rows_already_present) == (
        expected,
        0,
        expected,
    )
    assert counts()["responses"] == expected


# --------------------------------------------------------------------------- detection


def google_form(tmp_path: Path, questions: dict[str, list[str]]) -> Path:
    """A Google Forms export with these questions (answers per respondent)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Timestamp", "Email Address", *questions])
    answers = list(zip(*questions.values(), strict=True))
    for i, row in enumerate(answers):
        writer.writerow([f"3/{13 + i}/2024 10:00:00", f"p{i}@example.com", *row])
    path = tmp_path / "form.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def detected(path: Path, tool: str = "google-forms") -> dict[str, tuple]:
    plan = plan_export(load_export(path, tool=tool), mapping=DEFAULT_TOUCHPOINT)
    return {
        q.column.key: (q.metric, q.language, q.verbatim.key if q.verbatim else None)
        for q in plan.questions
    }


@pytest.mark.parametrize(
    ("text", "answers", "expected"),
    [
        ("How likely are you to recommend us to a friend?", ["9", "10"], ("nps", "en")),
        (
            "Quelle est la probabilité que vous recommandiez notre marque ?",
            ["0", "7"],
            ("nps", "fr"),
        ),
        ("How easy was it to find what you needed?", ["1", "7"], ("ces", "en")),
        ("Était-il facile de trouver ce que vous cherchiez ?", ["2", "6"], ("ces", "fr")),
        (
            "The company made it easy for me to handle my issue.",
            ["Agree", "Strongly agree"],
            ("ces", "en"),
        ),
        ("How satisfied are you with your order?", ["4", "5"], ("csat", "en")),
        ("Êtes-vous satisfaite de votre commande ?", ["1", "3"], ("csat", "fr")),
        (
            "Are you satisfied with your delivery?",
            ["Very satisfied", "Dissatisfied"],
            ("csat", "en"),
        ),
        (
            "How likely are you to recommend us?",
            ["10 - Extremely likely", "9 (Très probable)"],
            ("nps", "en"),
        ),
    ],
)
def test_metric_detected_in_french_and_english(tmp_path, text, answers, expected):
    path = google_form(tmp_path, {text: answers})
    assert detected(path) == {"Q1": (*expected, None)}


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("How easy was it to find what you needed? (0-10)", ["8", "10"]),  # not a 1–7 scale
        ("How satisfied are you with your order?", ["6", "7"]),  # not a 1–5 scale
        ("Which store did you visit?", ["Lyon", "Lille"]),
    ],
)
def test_not_a_scored_question_without_its_scale(tmp_path, text, answers):
    path = google_form(tmp_path, {text: answers, "How likely are you to recommend us?": ["9", "8"]})
    assert detected(path) == {"Q2": ("nps", "en", None)}


def test_the_first_open_question_after_a_score_is_its_verbatim(tmp_path):
    path = google_form(
        tmp_path,
        {
            "How likely are you to recommend us?": ["9", "3"],
            "Which store did you visit?": ["Lyon", "Lille"],
            "Why did you give this score?": ["Kind staff", "Long queue at the till"],
            "Any other comments?": ["No", "The car park is too small for Saturdays"],
            "Overall, how satisfied are you with your visit?": ["5", "2"],
            "Dites-nous pourquoi": ["Parfait", "Trop d'attente"],
        },
    )
    assert detected(path) == {"Q1": ("nps", "en", "Q3"), "Q5": ("csat", "en", "Q6")}
    plan = plan_export(load_export(path, tool="google-forms"), mapping=DEFAULT_TOUCHPOINT)
    kept = [key for col, key in plan.attributes]
    assert kept == ["Which store did you visit?", "Any other comments?"]


def test_touchpoint_named_in_a_question(tmp_path):
    path = google_form(
        tmp_path,
        {
            "How satisfied are you with our call centre?": ["4", "5"],
            "How satisfied are you with our stores?": ["4", "5"],
            "How satisfied are you with our website or our stores?": ["4", "5"],
        },
    )
    touchpoints = {"call centre": "call_centre", "call_centre": "call_centre", "store": "store"}
    touchpoints["website"] = "website"
    plan = plan_export(
        load_export(path, tool="google-forms"), mapping=DEFAULT_TOUCHPOINT, touchpoints=touchpoints
    )
    assert [q.touchpoint for q in plan.questions] == ["call_centre", "store", None]


@pytest.mark.parametrize(
    ("value", "metric", "expected"),
    [
        ("10 - Extremely likely", "nps", "10"),
        ("0 - Not at all likely", "nps", "0"),
        ("9 (Très probable)", "nps", "9"),
        ("Extremely likely - 10", "nps", "10"),
        ("Extrêmement probable (10)", "nps", "10"),
        ("7", "ces", "7"),
        ("Strongly agree", "ces", "7"),
        ("Plutôt d'accord", "ces", "5"),
        ("Pas du tout d’accord", "ces", "1"),
        ("Très satisfait", "csat", "5"),
        ("Neither satisfied nor dissatisfied", "csat", "3"),
        ("7.5", "nps", "7.5"),  # left for validation to reject
        ("neuf", "nps", "neuf"),
    ],
)
def test_scores_given_as_labels(value, metric, expected):
    assert parse_score(value, metric) == expected


def test_language_guess():
    assert guess_language("Quelle est la probabilité que vous recommandiez notre marque ?") == "fr"
    assert guess_language("How likely are you to recommend our brand?") == "en"
    assert guess_language("NPS") is None


# --------------------------------------------------------------------------- mapping


def test_mapping_overrides_detection(org, tmp_path):
    mapping = write_mapping(
        tmp_path,
        'questions:\n  Q3: attribute\n  Q4: "verbatim_of:Q1"\n',
    )
    import_export(fixture("qualtrics_en"), "qualtrics", mapping)
    got = rows()
    assert not [k for k in got if k.endswith(":Q3")]
    detractor = got["R_2b3C4d5E6f7G8h9:Q1"]
    assert detractor["verbatim"] == "Answer the phone faster"
    assert attributes(detractor)["Q3"] == "2"
    assert attributes(detractor)["Q2"].startswith("Delivery was late.")


def test_mapping_names_what_cannot_be_detected(org, tmp_path):
    path = tmp_path / "formulaire.csv"
    path.write_text(
        "Horodateur,Numéro client,Note globale (0 à 10),Commentaire libre,Magasin\n"
        "05/03/2024 10:00:00,C-9,8,Bon accueil,Lyon\n"
        "06/03/2024 11:30:00,C-10,4,Trop d'attente en caisse,Lille\n",
        encoding="utf-8",
    )
    assert_rejected(
        path,
        "google-forms",
        where="formulaire.csv",
        reason="no NPS, CES or CSAT question recognised among the questions (Q1: Numéro client; "
        "Q2: Note globale (0 à 10)",
    )
    assert_rejected(
        path,
        "google-forms",
        where="formulaire.csv",
        reason="cannot tell whether the dates are day/month or month/day",
        mapping=write_mapping(tmp_path, "questions: {Q2: nps}\ntouchpoint: store\n"),
    )
    mapping = write_mapping(
        tmp_path,
        "questions:\n"
        "  Note globale (0 à 10): nps\n"
        "  Commentaire libre: verbatim_of:Q2\n"
        "touchpoint_column: Magasin\n"
        "touchpoint: store\n"
        "customer_id_column: Numéro client\n"
        "language: fr\n"
        "channel: email\n"
        "date_order: dmy\n",
    )
    import_export(path, "google-forms", mapping, add_touchpoints=True)
    got = {r["customer_id"]: r for r in rows().values()}
    assert got["C-9"]["timestamp"].isoformat() == "2024-03-05T10:00:00"
    assert got["C-10"]["verbatim"] == "Trop d'attente en caisse"
    assert (got["C-10"]["touchpoint"], got["C-10"]["language"], got["C-10"]["channel"]) == (
        "lille",
        "fr",
        "email",
    )


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("colour: blue\n", "survey.yaml", "unknown key(s) colour"),
        ("questions: {Q1: promoter}\n", "survey.yaml:questions.Q1", "expected one of nps, ces"),
        ("date_order: ymd\n", "survey.yaml:date_order", "dmy"),
        ("- a\n- list\n", "survey.yaml", "a survey mapping is a YAML object"),
        ("questions: [Q1]\n", "survey.yaml:questions", "questions must map columns"),
        ("ignore: {a: b}\n", "survey.yaml:ignore", "list of columns"),
    ],
)
def test_bad_mapping_files(tmp_path, text, where, reason):
    path = write_mapping(tmp_path, text)
    with pytest.raises(ValidationError) as info:
        read_survey_mapping(path)
    assert where in str(info.value) and reason in str(info.value), str(info.value)


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("questions: {Q99: nps}\n", "survey.yaml:questions.Q99", "the export has no column 'Q99'"),
        (
            'questions: {Q6: "verbatim_of:Q6"}\n',
            "survey.yaml:questions.Q6",
            "not a scored question",
        ),
        ("customer_id_column: CRM id\n", "survey.yaml:customer_id_column", "no column 'CRM id'"),
        ("questions: {ResponseId: nps}\n", "survey.yaml:questions.ResponseId", "response id"),
    ],
)
def test_mapping_naming_what_the_export_lacks(org, tmp_path, text, where, reason):
    assert_rejected(
        fixture("qualtrics_en"),
        "qualtrics",
        where=where,
        reason=reason,
        mapping=write_mapping(tmp_path, text),
    )


def test_ignore_drops_columns(org, tmp_path):
    mapping = write_mapping(tmp_path, "ignore: [IPAddress, LocationLatitude, LocationLongitude]\n")
    import_export(fixture("qualtrics_en"), "qualtrics", mapping)
    extra = attributes(rows()["R_1a2B3c4D5e6F7g8:Q1"])
    assert "IPAddress" not in extra and "LocationLatitude" not in extra
    assert extra["Q6"] == "A friend"


# --------------------------------------------------------------------------- malformed


def test_wrong_tool(org, tmp_path):
    assert_rejected(
        fixture("qualtrics_en"),
        "surveymonkey",
        where="qualtrics_en.csv:line 1",
        reason="not a SurveyMonkey export: the first header row has no 'Respondent ID' column; "
        "it looks like a Qualtrics export: use --from qualtrics",
    )
    assert_rejected(
        fixture("typeform_en"),
        "google-forms",
        where="typeform_en.csv:line 1",
        reason="use --from typeform",
    )
    assert_rejected(
        fixture("google_forms_en"),
        "qualtrics",
        where="google_forms_en.csv:line 1",
        reason="no ResponseId column; it looks like a Google Forms export",
    )
    assert_rejected(
        fixture("surveymonkey_en"),
        "typeform",
        where="surveymonkey_en.csv:line 1",
        reason="should start with # (the response token)",
    )
    plain = tmp_path / "answers.csv"
    plain.write_text("response_id,customer_id,touchpoint,timestamp,metric,score\n")
    assert_rejected(plain, "qualtrics", where="line 1", reason="import it without --from")


def test_unknown_tool_table_or_format(org, tmp_path):
    assert_rejected(fixture("qualtrics_en"), "excel", where="--from", reason="unknown survey tool")
    with pytest.raises(ValidationError, match="import it into responses, not customers"):
        table_import(table="customers", path=fixture("qualtrics_en"), survey_tool="qualtrics")
    xlsx = tmp_path / "export.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    assert_rejected(xlsx, "qualtrics", where="export.xlsx", reason="is read as CSV")
    assert_rejected(tmp_path / "nope.csv", "typeform", where="nope.csv", reason="no such file")


def test_qualtrics_without_its_import_id_row(org, tmp_path):
    # the legacy layout: two header rows; the first respondent (line 4) sits where the
    # ImportIds should be
    parts = records("qualtrics_en")
    path = tmp_path / "legacy.csv"
    path.write_bytes("\r\n".join(parts[:2] + parts[3:]).encode("utf-8"))
    assert_rejected(
        path,
        "qualtrics",
        where="legacy.csv:line 4",
        reason="the third header row should hold the ImportIds",
    )


@pytest.mark.parametrize(
    ("name", "tool", "keep", "where", "reason"),
    [
        ("qualtrics_en", "qualtrics", 1, "line 2", "ends before its header row 2"),
        ("qualtrics_en", "qualtrics", 2, "line 4", "ends before its header row 3"),
        ("qualtrics_en", "qualtrics", 3, "qualtrics_en.csv", "no responses"),
        ("surveymonkey_en", "surveymonkey", 1, "line 2", "ends before its second header row"),
        ("typeform_en", "typeform", 1, "typeform_en.csv", "no responses"),
    ],
)
def test_truncated_header_rows(org, tmp_path, name, tool, keep, where, reason):
    parts = fixture(name).read_bytes().decode("utf-8")
    separator = "\r\n" if "\r\n" in parts else "\n"
    if tool == "typeform":
        kept = parts.split(separator)[:keep]
    else:
        kept = records(name)[:keep]
    path = tmp_path / f"{name}.csv"
    path.write_bytes((separator.join(kept) + separator).encode("utf-8"))
    assert_rejected(path, tool, where=where, reason=reason)


def test_surveymonkey_without_its_second_header_row(org, tmp_path):
    parts = records("surveymonkey_en")
    path = tmp_path / "condensed.csv"
    path.write_bytes("\r\n".join(parts[:1] + parts[2:]).encode("utf-8"))
    assert_rejected(
        path, "surveymonkey", where="condensed.csv:line 2", reason="second header row should hold"
    )


def test_nps_out_of_range_rejects_the_whole_export_at_its_line(org, tmp_path):
    # R_4 starts on line 10: three header rows (the second spans two lines), R_2 spans three
    path = variant(tmp_path, "qualtrics_en", (",7,Passive,", ",11,Passive,"))
    error = assert_rejected(
        path,
        "qualtrics",
        where="qualtrics_en.csv:line 10:Q1",
        reason="score is out of range for NPS (0–10)",
    )
    assert error.problems[0].value == "11"
    assert len(error.problems) == 1


def test_ces_out_of_range_when_named_in_the_mapping(org, tmp_path):
    # answers beyond 1–7 make a question not read as CES; named in the mapping, the answer
    # beyond the scale is rejected where it is
    path = variant(tmp_path, "surveymonkey_en", (",Phone,1,Nobody", ",Phone,9,Nobody"))
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    plan = plan_export(load_export(path, tool="surveymonkey"), mapping=read_survey_mapping(mapping))
    assert [q.column.key for q in plan.questions] == ["Q1"]
    assert any("not on a 1–7 scale" in note for note in plan.notes)
    mapping = write_mapping(tmp_path, "touchpoint: website\nquestions: {Q4: ces}\n")
    assert_rejected(
        path,
        "surveymonkey",
        where="surveymonkey_en.csv:line 4:How easy was it to get your issue resolved",
        reason="out of range for CES (1–7)",
        mapping=mapping,
    )


@pytest.mark.parametrize(
    ("name", "tool", "old", "new", "where", "reason"),
    [
        (
            "google_forms_en",
            "google-forms",
            "3/15/2024 9:12:40",
            "3/32/2024 9:12:40",
            "google_forms_en.csv:line 3:Timestamp",
            "is not a date as Google Forms writes it",
        ),
        (
            "google_forms_fr",
            "google-forms",
            "16/03/2024 18:30:00",
            "hier soir",
            "google_forms_fr.csv:line 5:Horodateur",
            "is not a date as Google Forms writes it (e.g. 05/03/2024 14:02:11",
        ),
        (
            "qualtrics_en",
            "qualtrics",
            "2024-03-07 09:15:00,R_3",
            "2024-13-07 09:15:00,R_3",
            "qualtrics_en.csv:line 9:RecordedDate",
            "is not a date as Qualtrics writes it",
        ),
        (
            "surveymonkey_en",
            "surveymonkey",
            "03/16/2024 06:30:00 PM",
            "03/16/2024 18:30:00 PM",
            "surveymonkey_en.csv:line 6:End Date",
            "is not a date as SurveyMonkey writes it (e.g. 03/05/2024 02:02:11 PM)",
        ),
    ],
)
def test_unparseable_dates(org, tmp_path, name, tool, old, new, where, reason):
    path = variant(tmp_path, name, (old, new))
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    assert_rejected(path, tool, where=where, reason=reason, mapping=mapping)


def test_ambiguous_and_conflicting_dates(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    ambiguous = variant(
        tmp_path, "google_forms_fr", ("15/03/2024", "11/03/2024"), ("16/03/2024", "12/03/2024")
    )
    assert_rejected(
        ambiguous,
        "google-forms",
        where="google_forms_fr.csv:Horodateur",
        reason="cannot tell whether the dates are day/month or month/day (no day above 12); "
        "give date_order: dmy or mdy",
        mapping=mapping,
    )
    explicit = write_mapping(tmp_path, "touchpoint: website\ndate_order: dmy\n", "dmy.yaml")
    import_export(ambiguous, "google-forms", explicit)
    stamps = sorted(r["timestamp"].isoformat() for r in rows().values())
    assert stamps[0] == "2024-03-05T14:02:11"  # 05/03/2024: 5 March
    conflicting = variant(tmp_path, "google_forms_fr", ("05/03/2024", "03/25/2024"))
    assert_rejected(
        conflicting,
        "google-forms",
        where="google_forms_fr.csv:Horodateur",
        reason="day/month at line 3 and month/day at line 2",
        mapping=mapping,
    )


def test_duplicate_respondent_and_missing_customer(org, tmp_path):
    path = variant(tmp_path, "surveymonkey_en", ("114296381935", "114296381934"))
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    assert_rejected(
        path,
        "surveymonkey",
        where="surveymonkey_en.csv:line 4:Respondent ID",
        reason="duplicate: the same response_id is also at line 3",
        mapping=mapping,
    )
    strict = write_mapping(tmp_path, "touchpoint: website\ncustomer_id_column: Email Address\n")
    assert_rejected(
        fixture("surveymonkey_en"),
        "surveymonkey",
        where="surveymonkey_en.csv:line 6:Email Address",
        reason="customer_id is required",
        mapping=strict,
    )


def test_no_scored_question_or_no_scored_answer(org, tmp_path):
    path = google_form(tmp_path, {"Which store did you visit?": ["Lyon", "Lille"]})
    assert_rejected(path, "google-forms", where="form.csv", reason="no NPS, CES or CSAT question")
    path = google_form(
        tmp_path, {"How likely are you to recommend us?": ["", ""], "Why?": ["x", "y"]}
    )
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    assert_rejected(
        path,
        "google-forms",
        where="form.csv",
        reason="none of the 2 respondent(s) answered a scored question (Q1)",
        mapping=mapping,
    )


def test_skip_invalid_writes_rejected_rows_with_export_lines(org, tmp_path):
    path = variant(tmp_path, "qualtrics_en", (",7,Passive,", ",11,Passive,"))
    rejected = tmp_path / "rejected.csv"
    report = import_export(path, "qualtrics", skip_invalid=True, rejected_path=rejected)
    assert (report.rows_added, report.rows_rejected) == (10, 1)
    lines = list(csv.reader(rejected.open(encoding="utf-8")))
    assert lines[1][0] == "10" and lines[1][1] == "R_4d5E6f7G8h9I0j1:Q1"
    assert "out of range for NPS" in lines[1][-1]


# --------------------------------------------------------------------------- CLI


def test_dry_run_shows_the_mapping_and_first_rows_and_writes_nothing(org):
    path = str(fixture("qualtrics_en"))
    result = runner.invoke(
        app, ["import", "responses", path, "--from", "qualtrics", "--dry-run", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["dry_run"] is True and shown["rows"] == 11 and shown["problem_count"] == 0
    mapping = {row["column"]: row for row in shown["mapping"]}
    assert mapping["Q1"]["becomes"].startswith("score, metric nps")
    assert mapping["Q2"]["becomes"] == "verbatim of Q1"
    assert mapping["Q1_NPS_GROUP"]["becomes"] == "ignored"
    assert mapping["ResponseId"]["becomes"].startswith("response_id")
    assert mapping["Q6"]["becomes"] == "attributes"
    assert mapping["Q5_2"]["becomes"].startswith(
        "score, metric csat (key Q5_2), touchpoint store, "
    )
    assert len(shown["preview"]) == 5
    assert shown["preview"][0]["response_id"] == "R_1a2B3c4D5e6F7g8:Q1"
    assert shown["preview"][0]["timestamp"] == "2024-03-05T13:02:11"  # Europe/Paris, in UTC
    assert shown["survey"]["respondents"] == 5
    assert shown["survey"]["respondents_without_score"] == 1
    assert counts()["responses"] == 0

    result = runner.invoke(
        app, ["import", "responses", path, "--from", "qualtrics", "--dry-run"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "what each column becomes" in result.stdout
    assert "R_1a2B3c4D5e6F7g8:Q1" in result.stdout
    assert "11 row(s) would be imported" in result.stderr and "nothing was written" in result.stderr
    assert counts()["responses"] == 0


def test_dry_run_reports_problems_and_exits_2(org, tmp_path):
    path = variant(tmp_path, "qualtrics_en", (",7,Passive,", ",11,Passive,"))
    result = runner.invoke(
        app, ["import", "responses", str(path), "--from", "qualtrics", "--dry-run"], env=WIDE
    )
    assert result.exit_code == 2
    assert "what each column becomes" in result.stdout
    assert "qualtrics_en.csv:line 10:Q1: score is out of range for NPS (0–10)" in result.stderr
    assert counts()["responses"] == 0


def test_dry_run_of_a_plain_file(org, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "response_id,customer_id,touchpoint,timestamp,metric,score\nr1,c1,website,2025-01-01,nps,9\n"
    )
    result = runner.invoke(app, ["import", "responses", str(path), "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["mapping"] is None and shown["preview"][0]["source"] == "import"
    assert counts()["responses"] == 0


def test_import_prints_the_mapping_first(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\n")
    path = str(fixture("typeform_fr"))
    args = ["import", "responses", path, "--from", "typeform", "--mapping", str(mapping)]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the mapping went to standard error
    assert (report["rows_added"], report["table"]) == (5, "responses")
    assert "what each column becomes" in result.stderr
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    assert result.stdout.index("what each column becomes") < result.stdout.index("rows_added")
    assert re.search(r"rows_already_present\s*│\s*5", result.stdout)


def test_cli_errors(org):
    result = runner.invoke(
        app, ["import", "responses", str(fixture("typeform_en")), "--from", "qualtrics"]
    )
    assert result.exit_code == 2
    assert "typeform_en.csv:line 1: not a Qualtrics export" in result.stderr
    assert "use --from typeform" in result.stderr
    result = runner.invoke(
        app, ["import", "responses", str(fixture("typeform_en")), "--from", "excel"]
    )
    assert result.exit_code == 2 and "--from: unknown survey tool 'excel'" in result.stderr
    assert counts()["responses"] == 0


@pytest.mark.parametrize("tool", ["qualtrics", "surveymonkey", "typeform", "google-forms"])
def test_a_value_over_the_csv_field_limit_in_an_export_is_one_line_exit_2(org, tmp_path, tool):
    path = variant(tmp_path, "qualtrics_en", (",7,Passive,", ',"' + "x" * csv.field_size_limit()))
    result = runner.invoke(app, ["import", "responses", str(path), "--from", tool])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:line "), lines
    assert "a value is longer than" in lines[0]
    assert counts()["responses"] == 0


def test_an_export_mixing_encodings_is_refused(org, tmp_path):
    path = variant(tmp_path, "qualtrics_en", (",7,Passive,", ",7,Passive,"))
    data = path.read_bytes()
    path.write_bytes(data + "R_x,é\n".encode("latin-1"))
    result = runner.invoke(app, ["import", "responses", str(path), "--from", "qualtrics"])
    assert result.exit_code == 2, result.output
    assert "this line is not UTF-8" in result.stderr
    assert counts()["responses"] == 0
