"""The RACI defect check and the champion ranking, on small hand-checked inputs."""

from __future__ import annotations

import pytest

from cxpilot.governance.engine import (
    PROBLEM_CODES,
    Candidate,
    RaciRow,
    Thresholds,
    activity_match_key,
    business_model_fit,
    champion_rank,
    format_code,
    maturity_fit,
    normalise_code,
    parse_code,
    raci_check,
    raci_csv_read,
    raci_csv_write,
    weakest_dimensions,
)
from cxpilot.kernel.errors import ValidationError

pytestmark = pytest.mark.pure

DEPTS = ["mkt", "svc", "ops"]


def codes(problems) -> list[tuple[str, str | None, str | None]]:
    return [(p.code, p.activity, p.department) for p in problems]


def test_codes_parse_and_normalise():
    assert parse_code("A/R") == {"A", "R"}
    assert parse_code(" r , a ") == {"A", "R"}
    assert parse_code("AR") == {"A", "R"}
    assert parse_code("") == frozenset() and parse_code(None) == frozenset()
    assert parse_code("X") is None and parse_code("R/R") is None and parse_code("/") is None
    assert normalise_code("r/a") == "A/R" and normalise_code("I/C/R") == "R/C/I"
    assert normalise_code("Z") is None and normalise_code("") == ""
    assert format_code({"C", "A"}) == "A/C"


def test_a_clean_raci_has_no_problem():
    rows = [
        RaciRow("voc", {"mkt": "A/R", "svc": "C", "ops": "I"}),
        RaciRow("loop", {"mkt": "I", "svc": "A/R", "ops": "C"}),
        RaciRow("kpis", {"mkt": "C", "svc": "I", "ops": "A/R"}),
    ]
    assert raci_check(rows, DEPTS) == []


def test_no_accountable_no_responsible_nobody_consulted_or_informed():
    rows = [
        RaciRow("a1", {"mkt": "R", "svc": "", "ops": ""}),  # no A, no C/I
        RaciRow("a2", {"mkt": "A", "svc": "C", "ops": "A/R"}),  # two A
        RaciRow("a3", {"mkt": "A", "svc": "I", "ops": ""}),  # no R
    ]
    assert codes(raci_check(rows, DEPTS)) == [
        ("no_accountable", "a1", None),
        ("nobody_consulted_or_informed", "a1", None),
        ("multiple_accountable", "a2", None),
        ("no_responsible", "a3", None),
        ("idle_department", None, "svc"),
    ]
    two = raci_check(rows, DEPTS)[2]
    assert "2 departments are Accountable (mkt, ops)" in two.detail


def test_overloaded_and_idle_departments_with_a_threshold():
    rows = [RaciRow(f"a{i}", {"mkt": "A/R", "svc": "I", "ops": ""}) for i in range(3)]
    found = codes(raci_check(rows, DEPTS, Thresholds(max_r_or_a_per_department=2)))
    assert found == [
        ("overloaded_department", None, "mkt"),
        ("idle_department", None, "svc"),
        ("idle_department", None, "ops"),
    ]
    # exactly at the threshold is not overloaded ("more than N")
    found = codes(raci_check(rows, DEPTS, Thresholds(max_r_or_a_per_department=3)))
    assert ("overloaded_department", None, "mkt") not in found
    detail = raci_check(rows, DEPTS, Thresholds(max_r_or_a_per_department=2))[0].detail
    assert "3 activities (more than 2)" in detail


def test_too_many_consulted_and_informed():
    depts = ["d1", "d2", "d3", "d4"]
    rows = [
        RaciRow("c", {"d1": "A/R", "d2": "C", "d3": "C", "d4": "C"}),
        RaciRow("i", {"d1": "A/R", "d2": "I", "d3": "I", "d4": "I/C"}),
    ]
    t = Thresholds(max_consulted=2, max_informed=2)
    found = codes(raci_check(rows, depts, t))
    assert ("too_many_consulted", "c", None) in found
    assert ("too_many_informed", "i", None) in found
    assert ("too_many_consulted", "i", None) not in found  # only one C on "i"
    found = codes(raci_check(rows, depts, Thresholds(max_consulted=3, max_informed=3)))
    assert not [c for c in found if c[0].startswith("too_many")]


def test_duplicate_activity_by_key_or_name_reported_once():
    rows = [
        RaciRow(
            "voc", {"mkt": "A/R", "svc": "C", "ops": "I"}, name="Voice of the customer", line=2
        ),
        RaciRow("voc", {"mkt": "", "svc": "", "ops": ""}, line=3),
        RaciRow(
            "voc2", {"mkt": "A/R", "svc": "C", "ops": "I"}, name="voice of  the Customer", line=4
        ),
    ]
    found = raci_check(rows, DEPTS, Thresholds())
    assert codes(found) == [
        ("duplicate_activity", "voc", None),
        ("duplicate_activity", "voc2", None),
        ("idle_department", None, "svc"),
        ("idle_department", None, "ops"),
    ]
    assert "same key" in found[0].detail and "line 2" in found[0].detail
    assert "same name" in found[1].detail


def test_unknown_code_is_a_problem_and_the_cell_is_ignored():
    rows = [RaciRow("a", {"mkt": "A/R", "svc": "X", "ops": "I"})]
    found = raci_check(rows, DEPTS)
    assert codes(found)[0] == ("unknown_code", "a", "svc")
    assert "“X”" in found[0].detail


def test_every_code_is_reachable_and_problems_serialise():
    rows = [
        RaciRow("a", {"mkt": "A/R", "svc": "Q"}),
        RaciRow("a", {}),
        RaciRow("b", {"mkt": "A", "svc": "A"}),
        RaciRow("c", {"mkt": "C/I"}),
        RaciRow("d", {"mkt": "A/R", "svc": "C", "ops": "C"}),
        RaciRow("e", {"mkt": "A/R", "svc": "I", "ops": "I"}),
    ]
    found = raci_check(rows, DEPTS + ["idle"], Thresholds(1, 1, 1))
    assert {p.code for p in found} == set(PROBLEM_CODES)
    assert set(found[0].as_dict()) == {"code", "activity", "department", "detail"}


def test_csv_read_and_write_round_trip():
    text = "activity,name,mkt,svc\nvoc,Voice,A/R,C\nloop,,I,R/A\n"
    table = raci_csv_read(text)
    assert table.departments == ["mkt", "svc"]
    assert [(r.activity, r.name, dict(r.cells), r.line) for r in table.rows] == [
        ("voc", "Voice", {"mkt": "A/R", "svc": "C"}, 2),
        ("loop", "", {"mkt": "I", "svc": "R/A"}, 3),
    ]
    assert raci_csv_read(raci_csv_write(table)).rows == table.rows


def test_csv_semicolons_bom_and_short_rows():
    table = raci_csv_read("\ufeffActivity;mkt;svc\r\nvoc;A/R\r\n")
    assert table.rows[0].cells == {"mkt": "A/R", "svc": ""}


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ("", "f.csv", "the file is empty"),
        ("  \n\n", "f.csv", "the file is empty"),
        ("key,mkt\nvoc,A\n", "f.csv:line 1", "no “activity” column"),
        ("activity\nvoc\n", "f.csv:line 1", "no department column"),
        ("activity,mkt,mkt\nvoc,A,R\n", "f.csv:line 1, column 3", "two columns"),
        ("activity,mkt,\nvoc,A,R\n", "f.csv:line 1, column 3", "no header"),
        ("activity,mkt\nvoc,A,R\n", "f.csv:line 2, column 3", "3 values for 2 columns"),
        ("activity,mkt\n,A\n", "f.csv:line 2, column activity", "no activity key"),
        ("activity,mkt\n", "f.csv", "no activity row"),
    ],
)
def test_bad_csv_layout_names_line_and_column(text, where, why):
    with pytest.raises(ValidationError) as caught:
        raci_csv_read(text, source="f.csv")
    assert caught.value.where == where and why in caught.value.detail


def test_champion_ranking_by_hand():
    weights = {"customer_data": 2.0, "capacity": 1.0}
    cands = [
        Candidate("mkt", "Marketing", {"customer_data": 4, "capacity": 1}),  # (8+1)/3 = 3
        Candidate("svc", "Service", {"customer_data": 3, "capacity": 5}),  # (6+5)/3 = 3.667
        Candidate("prd", "Product", {"customer_data": 3, "capacity": 3}),  # (6+3)/3 = 3
    ]
    ranked = champion_rank(cands, weights)
    assert [(r.key, r.rank, r.total) for r in ranked] == [
        ("svc", 1, 3.6667),
        ("mkt", 2, 3.0),
        ("prd", 2, 3.0),
    ]
    assert ranked[0].contributions["customer_data"] == 6.0
    assert ranked[0].contributions["capacity"] == 5.0
    assert ranked[0].contributions["brand_promise"] is None  # not scored


def test_champion_unscored_criterion_counts_for_nobody_and_weights_matter():
    cands = [
        Candidate("a", "A", {"customer_data": 5, "maturity_fit": None}),
        Candidate("b", "B", {"customer_data": 1, "maturity_fit": 5}),
    ]
    # a: 5*1/1 = 5; b: (1*1 + 5*3)/4 = 4
    ranked = champion_rank(cands, {"customer_data": 1, "maturity_fit": 3})
    assert [(r.key, r.total) for r in ranked] == [("a", 5.0), ("b", 4.0)]
    ranked = champion_rank(cands, {"customer_data": 0, "maturity_fit": 3})  # a has no weight left
    assert [(r.key, r.total) for r in ranked] == [("b", 5.0), ("a", 0.0)]
    with pytest.raises(ValidationError):
        champion_rank(cands, {"customer_data": -1})


def test_fit_tables():
    dims = {
        "strategy": 70,
        "measurement": 20,
        "customer_understanding": 30,
        "culture": 30,
        "leadership": 90,
    }
    assert weakest_dimensions(dims) == ["measurement", "culture", "customer_understanding"]
    # customer service: measurement 5, culture 4, customer_understanding 4 → 13/3
    assert maturity_fit("customer_service", weakest_dimensions(dims)) == pytest.approx(13 / 3)
    assert maturity_fit(
        "marketing", ["measurement", "culture", "customer_understanding"]
    ) == pytest.approx((3 + 2 + 5) / 3)
    assert maturity_fit("product", []) is None
    assert business_model_fit("product", "b2b_saas") == 5.0
    assert business_model_fit("sales", "b2c_brand") == 2.0
    assert business_model_fit("product", "") is None


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("Promesse de marque", "promesse de marque "),
        ("Promesse de marque", "  PROMESSE   DE MARQUE"),
        ("Écoute client", "ecoute-client"),
        ("voice_of_customer", "Voice of customer."),
        ("Promesse d’écoute", "promesse d'ecoute"),
    ],
)
def test_activities_a_reader_sees_as_one_are_duplicates(first, again):
    rows = [
        RaciRow(first, {"mkt": "A/R", "svc": "C", "ops": "I"}, name=first, line=2),
        RaciRow(again, {"mkt": "A/R", "svc": "C", "ops": "I"}, line=3),
        RaciRow("other", {"mkt": "C", "svc": "A/R", "ops": "I"}, name=f" {again}!", line=4),
    ]
    found = raci_check(rows, DEPTS, Thresholds())
    assert codes(found) == [
        ("duplicate_activity", again, None),
        ("duplicate_activity", "other", None),
        ("idle_department", None, "svc"),
        ("idle_department", None, "ops"),
    ]
    assert "same key" in found[0].detail and "line 2" in found[0].detail
    assert "same name" in found[1].detail


def test_distinct_activities_stay_distinct():
    rows = [
        RaciRow("Promesse de marque", {"mkt": "A/R", "svc": "C", "ops": "I"}),
        RaciRow("Promesse de marques", {"mkt": "A/R", "svc": "C", "ops": "I"}),
        RaciRow("!!", {"mkt": "A/R", "svc": "C", "ops": "I"}),
        RaciRow("?", {"mkt": "A/R", "svc": "C", "ops": "I"}),
    ]
    assert [c for c in codes(raci_check(rows, DEPTS)) if c[0] == "duplicate_activity"] == []
    assert activity_match_key("  Promesse  d’Écoute-client ") == "promesse d ecoute client"
