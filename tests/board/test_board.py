"""The board of a small warehouse, its targets, comment and mailing, and the JSON contract of
``cxpilot board``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from typer.testing import CliRunner

from cxpilot.board.models import BoardComment, BoardMailing, KpiTarget
from cxpilot.board.selectors import board, board_months, headline
from cxpilot.board.services import comment_set, mailing_set, target_delete, target_set
from cxpilot.cli import app
from cxpilot.kernel.errors import NotFound, PermissionDenied, ValidationError

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.warehouse
def test_the_website_nps_and_its_change_computed_by_hand(small) -> None:
    found = board(actor=None, month="2026-03")
    assert (found.month, found.previous_month, found.year_before_month) == (
        "2026-03", "2026-02", "2025-03",
    )  # fmt: skip
    k = found.kpi("nps.touchpoint.website")
    assert k is not None and k.group == "voice" and k.unit == "nps"
    assert k.value == pytest.approx(25.0)
    assert k.previous == pytest.approx(-25.0)
    assert k.change == pytest.approx(50.0)
    # each month: variance .75 − .0625 = .6875, SE = 100·√(.6875/40); z = 50/(√2·SE)
    assert k.p_value == pytest.approx(0.00700, abs=5e-5)
    assert k.significant is True
    # no answers a year before: nothing to compare with
    assert k.year_before is None and k.year_change is None and k.year_significant is None
    assert found.kpi("nps").value == pytest.approx(25.0)
    assert k.department == "ecommerce"


@pytest.mark.warehouse
def test_awareness_traffic_and_conversion(small) -> None:
    found = board(actor=None, month="2026-03")
    assert found.kpi("awareness.reach").value == 2
    assert found.kpi("traffic.visits").value == 4
    conversion = found.kpi("conversion")
    assert conversion.value == pytest.approx(25.0)  # c1 only: c2 ordered after 7 days
    assert conversion.ci_low < 25 < conversion.ci_high
    assert conversion.significant is None  # no visits in February: nothing to test
    assert found.kpi("conversion.channel.web").value == pytest.approx(25.0)
    # no interactions at all in February or a year before: unknown, not zero
    visits = found.kpi("traffic.visits")
    assert visits.previous is None and visits.change is None and visits.year_before is None


def test_without_churn_model_nor_values_it_says_so(small) -> None:
    found = board(actor=None, month="2026-03")
    churn, equity = found.kpi("churn.rate"), found.kpi("value.equity")
    assert churn.value is None and "cxpilot churn score" in churn.note
    assert equity.value is None and "not available" in equity.note


def test_a_month_without_data_has_no_values_but_a_note(small) -> None:
    found = board(actor=None, month="2021-06")
    nps = found.kpi("nps")
    assert nps.value is None and nps.note
    assert found.kpi("traffic.visits").value is None
    assert found.kpi("traffic.visits").note == "no interactions in this month"


def test_a_bad_month_is_refused_naming_the_option(small) -> None:
    with pytest.raises(ValidationError) as err:
        board(actor=None, month="2026-13")
    assert err.value.where == "--month"


def test_the_default_month_and_the_months_with_data(small) -> None:
    assert board_months() == ["2026-03", "2026-02"]
    assert board(actor=None).month == "2026-03"


def test_a_target_shows_at_once_and_follows_the_rule(small) -> None:
    assert board(actor=None, month="2026-03").kpi("nps").status is None
    target_set(actor=None, kpi="nps", target=30, tolerance=10)
    k = board(actor=None, month="2026-03").kpi("nps")
    assert (k.target, k.tolerance, k.status) == (30, 10, "amber")
    target_set(actor=None, kpi="nps", target="20")
    assert board(actor=None, month="2026-03").kpi("nps").status == "green"
    target_set(actor=None, kpi="nps", target=40, tolerance=5)
    assert board(actor=None, month="2026-03").kpi("nps").status == "red"
    target_delete(actor=None, kpi="nps")
    assert board(actor=None, month="2026-03").kpi("nps").target is None
    with pytest.raises(NotFound):
        target_delete(actor=None, kpi="nps")


@pytest.mark.parametrize(
    ("kpi", "target", "tolerance", "where", "words"),
    [
        ("nsp", 10, 0, "kpi", "unknown KPI 'nsp'"),
        ("nps.touchpoint.nowhere", 10, 0, "kpi", "no touchpoint 'nowhere'"),
        ("conversion.channel.fax", 10, 0, "kpi", "channel 'fax'"),
        ("promise.none", 10, 0, "kpi", "no brand promise 'none'"),
        ("nps\x00", 10, 0, "kpi", "control character"),
        ("nps", 150, 0, "target", "from -100 to 100"),
        ("ces", 9, 0, "target", "from 1 to 7"),
        ("nps", "abc", 0, "target", "not a number"),
        ("nps", float("nan"), 0, "target", "finite"),
        ("nps", 10, -1, "tolerance", "negative"),
        ("", 10, 0, "kpi", "give the KPI"),
    ],
)
def test_a_bad_target_is_refused_and_nothing_stored(small, kpi, target, tolerance, where, words):
    with pytest.raises(ValidationError) as err:
        target_set(actor=None, kpi=kpi, target=target, tolerance=tolerance)
    assert err.value.where == where
    assert words in str(err.value)
    assert KpiTarget.objects.count() == 0


def test_the_families_of_keys_are_accepted(small) -> None:
    for key in ("nps.touchpoint.website", "csat.touchpoint.store", "conversion.channel.web",
                "loop.median_hours_to_close", "churn.rate"):  # fmt: skip
        target_set(actor=None, kpi=key, target=5)
    assert KpiTarget.objects.count() == 5


def test_the_comment_is_shown_and_bad_input_refused(small) -> None:
    comment_set(actor=None, month="2026-03", text="  The carrier is being replaced.\n")
    assert board(actor=None, month="2026-03").comment == "The carrier is being replaced."
    for month, text, where in [
        ("2026-3", "x", "month"),
        ("March", "x", "month"),
        ("2026-03", "bad\x07bell", "text"),
        ("2026-03", "x" * 5001, "text"),
    ]:
        with pytest.raises(ValidationError) as err:
            comment_set(actor=None, month=month, text=text)
        assert err.value.where == where
    assert list(BoardComment.objects.values_list("text", flat=True)) == [
        "The carrier is being replaced."
    ]
    comment_set(actor=None, month="2026-03", text="")
    assert not BoardComment.objects.exists()


def test_the_mailing_names_the_bad_line_and_stores_nothing(small) -> None:
    before = BoardMailing.current()
    cases = [
        ({"recipients": "ceo@example.com\nnot-an-address"}, "recipients, line 2"),
        ({"recipients": "ceo@example.com\nx\x00@example.com"}, "recipients, line 2"),
        ({"day": 0}, "day"),
        ({"day": 29}, "day"),
        ({"day": "tomorrow"}, "day"),
        ({"language": "xx"}, "language"),
        ({"recipients": "", "enabled": True}, "recipients"),
        ({"enabled": "yes"}, "enabled"),
    ]
    for change, where in cases:
        values = {"recipients": "ceo@example.com", "day": 5, "language": "fr", "enabled": True}
        values.update(change)
        with pytest.raises(ValidationError) as err:
            mailing_set(actor=None, **values)
        assert err.value.where == where, change
    after = BoardMailing.current()
    assert (after.recipients, after.day, after.language, after.enabled) == (
        before.recipients, before.day, before.language, before.enabled,
    )  # fmt: skip
    mailing_set(
        actor=None,
        recipients="ceo@example.com\n\ncfo@example.com\nCEO@example.com",
        day=5,
        language="fr",
        enabled=True,
    )
    row = BoardMailing.current()
    assert row.recipients == "ceo@example.com\ncfo@example.com"
    assert (row.day, row.language, row.enabled) == (5, "fr", True)


def test_roles(small, make_user) -> None:
    viewer, lead = make_user("viewer"), make_user("cx_lead", username="lead")
    assert board(actor=viewer, month="2026-03").kpi("nps") is not None
    with pytest.raises(PermissionDenied):
        target_set(actor=viewer, kpi="nps", target=10)
    with pytest.raises(PermissionDenied):
        comment_set(actor=viewer, month="2026-03", text="x")
    with pytest.raises(PermissionDenied):
        mailing_set(actor=viewer, recipients="", day=3, language="en", enabled=False)
    assert not KpiTarget.objects.exists()
    target_set(actor=lead, kpi="nps", target=10)
    assert KpiTarget.objects.get().updated_by == lead
    with pytest.raises(PermissionDenied):
        board(actor=make_user(None), month="2026-03")


def test_a_department_owner_sees_their_touchpoints_first(small, make_user) -> None:
    owner = make_user("department_owner", department="ecommerce")
    keys = [k.kpi for k in headline(actor=owner, month="2026-03")]
    assert keys[0] == "nps.touchpoint.website"
    assert keys[-3:] == ["nps", "ces", "csat"]
    assert [k.kpi for k in headline(actor=make_user("viewer"), month="2026-03")] == [
        "nps", "ces", "csat",
    ]  # fmt: skip


#: The keys every KPI of the JSON has (docs/board.md).
KPI_KEYS = {
    "kpi", "value", "ci_low", "ci_high", "previous", "change", "significant", "target",
    "status", "year_before", "year_change", "year_significant", "label", "unit", "group",
    "higher_is_better", "n", "note", "p_value", "year_p_value", "tolerance",
}  # fmt: skip
SECTIONS = {
    "irritants", "moments", "alerts", "loop", "maturity", "initiatives", "departments",
    "governance_model", "rule", "comment",
}  # fmt: skip


def test_the_json_contract(small) -> None:
    assert (
        runner.invoke(app, ["board", "targets", "set", "nps", "30", "--tolerance", "10"]).exit_code
        == 0
    )
    out = runner.invoke(app, ["board", "--month", "2026-03", "--format", "json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert found["month"] == "2026-03"
    assert found["previous_month"] == "2026-02"
    assert found["year_before_month"] == "2025-03"
    assert SECTIONS <= set(found)
    assert found["kpis"] and all(KPI_KEYS <= set(k) for k in found["kpis"])
    nps = next(k for k in found["kpis"] if k["kpi"] == "nps")
    assert nps["value"] == pytest.approx(25.0) and nps["change"] == pytest.approx(50.0)
    assert nps["significant"] is True and nps["target"] == 30 and nps["status"] == "amber"
    assert {k["group"] for k in found["kpis"]} == {"voice", "outcome", "effort", "loop"}
    assert "tolerance" in found["rule"]


def test_cli_csv_targets_comment_and_errors(small, tmp_path) -> None:
    out = runner.invoke(app, ["board", "--month", "2026-03", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0].startswith("kpi,label,value,ci_low,ci_high")
    target = tmp_path / "board.json"
    out = runner.invoke(app, ["board", "--month", "2026-03", "-f", "json", "-o", str(target)])
    assert out.exit_code == 0 and json.loads(target.read_text())["month"] == "2026-03"
    bad = runner.invoke(app, ["board", "--month", "2026/03"])
    assert bad.exit_code == 2 and "--month" in bad.output
    pdf = runner.invoke(app, ["board", "--format", "pdf"])
    assert pdf.exit_code == 2 and "--output" in pdf.output
    bad = runner.invoke(app, ["board", "targets", "set", "nope", "3"])
    assert bad.exit_code == 2 and "unknown KPI 'nope'" in bad.output
    assert not KpiTarget.objects.exists()
    ok = runner.invoke(app, ["board", "targets", "set", "ces", "5.5", "-f", "json"])
    assert json.loads(ok.stdout)["target"] == 5.5
    listed = runner.invoke(app, ["board", "targets", "list", "-f", "json"])
    assert [t["kpi"] for t in json.loads(listed.stdout)] == ["ces"]
    assert runner.invoke(app, ["board", "targets", "delete", "ces"]).exit_code == 0
    assert runner.invoke(app, ["board", "targets", "delete", "ces"]).exit_code == 2
    out = runner.invoke(app, ["board", "comment", "--month", "2026-03", "--text", "Noted"])
    assert out.exit_code == 0 and BoardComment.objects.get().text == "Noted"
    bad = runner.invoke(app, ["board", "comment", "--month", "03-2026", "--text", "x"])
    assert bad.exit_code == 2 and "--month" in bad.output


def test_in_french_the_labels_notes_and_rule_are_french(small) -> None:
    from django.utils import translation

    with translation.override("fr"):
        found = board(actor=None, month="2026-03")
    assert found.kpi("traffic.visits").label == "Trafic : visites"
    assert found.kpi("churn.rate").note.startswith("non disponible")
    assert found.rule.startswith("Vert")
    # the cached warehouse part is in no language: English again
    assert board(actor=None, month="2026-03").kpi("traffic.visits").label == "Traffic: visits"


def test_the_closed_loop_the_efforts_and_the_departments(small) -> None:
    import datetime as dt

    from cxpilot.initiatives.services import Draft, initiative_save
    from cxpilot.loop.models import CaseStatus, FollowUpCase
    from cxpilot.organisation.models import Department

    def at(day: int, hour: int = 9) -> dt.datetime:
        return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)

    ecommerce = Department.objects.get(key="ecommerce")
    service = Department.objects.get(key="service")
    # three cases closed in March: two within their 48 h (10 h and 30 h), one late (100 h)
    for n, (department, hours, due) in enumerate(
        [(ecommerce, 10, 48), (ecommerce, 30, 48), (service, 100, 48)]
    ):
        case = FollowUpCase.objects.create(
            source="crm", customer_id=f"k{n}", response_id=f"r{n}", answered_at=at(1), due_at=at(1) + dt.timedelta(hours=due),
            department=department, status=CaseStatus.CLOSED,
            closed_at=at(1) + dt.timedelta(hours=hours),
        )  # fmt: skip
        FollowUpCase.objects.filter(pk=case.pk).update(opened_at=at(1))
    initiative_save(
        actor=None,
        draft=Draft(
            name="New carrier", touchpoints=["website"], metric="nps", department="ecommerce",
            started_on=dt.date(2026, 2, 1), done_on=dt.date(2026, 3, 20), status="done",
        ),
    )  # fmt: skip
    found = board(actor=None, month="2026-03")
    assert found.kpi("loop.cases_opened").value == 3
    assert found.kpi("loop.cases_closed").value == 3
    assert found.kpi("loop.within_sla_pct").value == pytest.approx(100 * 2 / 3)
    assert found.kpi("loop.median_hours_to_close").value == 30
    assert found.kpi("effort.cases_within_sla").value == 2
    assert found.kpi("effort.initiatives_delivered").value == 1
    assert found.loop == {
        "opened": 3, "closed": 3, "within_sla": 2, "within_sla_pct": 66.7,
        "median_hours_to_close": 30.0,
    }  # fmt: skip
    shares = {d["department"]: d for d in found.departments}
    assert shares["ecommerce"]["cases_closed"] == 2 and shares["ecommerce"]["initiatives"] == 1
    assert shares["ecommerce"]["share"] == pytest.approx(66.7)
    assert shares["service"]["share"] == pytest.approx(33.3)
    (row,) = found.initiatives
    assert row["name"] == "New carrier" and row["delivered_this_month"] is True
    assert "effect" in row and "method" in row
    # a lower-is-better KPI: a median of 30 h against a target of 24 h, 10 h of tolerance
    target_set(actor=None, kpi="loop.median_hours_to_close", target=24, tolerance=10)
    assert board(actor=None, month="2026-03").kpi("loop.median_hours_to_close").status == "amber"


def test_a_comment_needs_a_month_with_data(small) -> None:
    with pytest.raises(ValidationError) as err:
        comment_set(actor=None, month="2031-01", text="x")
    assert err.value.where == "month" and "no board for 2031-01" in str(err.value)
    bad = runner.invoke(app, ["board", "comment", "--month", "2031-01", "--text", "x"])
    assert bad.exit_code == 2 and "2031-01" in bad.output
    assert not BoardComment.objects.exists()


@pytest.mark.parametrize("where", ["missing/dir/x.pdf", "."])
def test_a_pdf_to_a_bad_path_is_a_clean_error(small, tmp_path, where) -> None:
    (tmp_path / "out").mkdir()
    output = tmp_path / "out" / where
    out = runner.invoke(
        app, ["board", "--month", "2026-03", "--format", "pdf", "--output", str(output)]
    )
    assert out.exit_code == 2, out.output
    assert str(output).rstrip("/.") in out.output and "Traceback" not in out.output
    assert out.output.count("error:") == 1
    assert list((tmp_path / "out").iterdir()) == []


def test_the_french_pdf_has_french_labels(small, tmp_path, monkeypatch) -> None:
    import cxpilot.board.exports as exports

    seen = {}

    def fake_pdf(found, *, language):
        seen["label"] = found.kpi("traffic.visits").label
        seen["rule"] = found.rule
        return b"%PDF-1.4"

    monkeypatch.setattr(exports, "board_pdf", fake_pdf)
    output = tmp_path / "b.pdf"
    args = ["board", "--month", "2026-03", "-f", "pdf", "-o", str(output), "--language", "fr"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert seen["label"] == "Trafic : visites" and seen["rule"].startswith("Vert")
    assert output.read_bytes() == b"%PDF-1.4"


@pytest.mark.warehouse
def test_the_relationship_survey_is_apart_from_the_overall_scores(small) -> None:
    from cxpilot.organisation.models import Touchpoint
    from cxpilot.warehouse.ingest import load_arrow

    Touchpoint.objects.create(key="relation", name="Relation", channel="email")
    # March only: 20 answers, all detractors; the overall NPS stays the website's (25)
    rows = [
        {"response_id": f"r{i}", "customer_id": f"rc{i}", "source": "crm",
         "touchpoint": "relation", "timestamp": dt.datetime(2026, 3, 1 + i, 12),
         "metric": "nps", "score": 2, "channel": "email"}
        for i in range(20)
    ]  # fmt: skip
    import pyarrow as pa

    load_arrow(table="responses", data=pa.Table.from_pylist(rows))
    found = board(actor=None, month="2026-03")
    head = found.kpi("nps")
    assert head.value == pytest.approx(25.0) and head.change == pytest.approx(50.0)
    assert "relationship survey is apart" in head.note
    rel = found.kpi("nps.relationship")
    assert rel.value == pytest.approx(-100.0) and rel.n == 20 and rel.label == "Relationship NPS"
    assert rel.previous is None and rel.change is None
    assert "no answers in 2026-02" in rel.note and "no answers in 2025-03" in rel.note
    assert found.kpi("nps.touchpoint.relation") is None
    february = board(actor=None, month="2026-02").kpi("nps.relationship")
    assert february.value is None and "no relationship survey answers in 2026-02" in february.note
    target_set(actor=None, kpi="nps.relationship", target=10)
    from django.utils import translation

    with translation.override("fr"):
        assert (
            board(actor=None, month="2026-03").kpi("nps.relationship").label != "Relationship NPS"
        )


@pytest.mark.warehouse
def test_a_past_board_uses_only_what_was_known_by_its_month_end(small) -> None:
    from cxpilot.initiatives.models import Initiative
    from cxpilot.initiatives.services import Draft, initiative_save

    def save(name: str, **dates) -> None:
        initiative_save(
            actor=None,
            draft=Draft(name=name, touchpoints=["website"], metric="nps", **dates),
        )

    save("Carrier", started_on=dt.date(2026, 2, 1), done_on=dt.date(2026, 3, 20), status="done")
    save("Checkout", started_on=dt.date(2026, 3, 5), status="started")
    save("Later", started_on=dt.date(2026, 9, 1), status="started")
    # every initiative was entered today: what existed in February is what had a date by then
    Initiative.objects.update(created_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    february = board(actor=None, month="2026-02")
    rows = {r["name"]: r for r in february.initiatives}
    assert set(rows) == {"Carrier"}
    assert rows["Carrier"]["status"] == "started" and rows["Carrier"]["done"] is None
    assert rows["Carrier"]["effect"] is None
    assert "not measurable yet" in rows["Carrier"]["effect_note"]
    assert february.kpi("effort.initiatives_delivered").value == 0
    march = {r["name"]: r for r in board(actor=None, month="2026-03").initiatives}
    assert set(march) == {"Carrier", "Checkout"}
    assert march["Carrier"]["status"] == "done" and march["Checkout"]["status"] == "started"
    assert board(actor=None, month="2026-03").maturity is None
