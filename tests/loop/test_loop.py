"""Closing the loop: cases for unhappy customers, routed and worked; alerts on real drops."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pyarrow as pa
import pytest
from django.core import mail
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.loop.alerts import alerts_check
from cxpilot.loop.models import Alert, CaseStatus, FollowUpCase, LoopSettings
from cxpilot.loop.selectors import case_get, case_kpis, case_list
from cxpilot.loop.services import case_note_add, case_status_set, cases_open
from cxpilot.organisation.users import user_upsert
from cxpilot.warehouse.inbox import inbox_flush, inbox_receive
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()


def answer(
    i: int, touchpoint: str, metric: str, score: int, when: str = "2025-04-02T10:00:00"
) -> dict:
    return {
        "response_id": f"r{i}",
        "customer_id": f"c{i}",
        "touchpoint": touchpoint,
        "timestamp": when,
        "metric": metric,
        "score": score,
        "source": "web",
        "verbatim": "<script>alert(1)</script> livraison en retard" if score < 5 else None,
    }


def test_live_answers_open_cases_routed_to_the_owning_department(org):
    records = [
        answer(1, "website", "nps", 3),  # detractor → case, e-commerce
        answer(2, "website", "nps", 7),  # passive → none
        answer(3, "call_centre", "ces", 2),  # hard effort → case, service
        answer(4, "call_centre", "csat", 2),  # unsatisfied → case
        answer(5, "call_centre", "csat", 3),  # neutral → none
        answer(6, "store", "nps", 0),  # store has no owning department → unrouted
    ]
    inbox_receive(table="responses", records=records, source="web")
    assert FollowUpCase.objects.count() == 0  # not before they reach the warehouse
    inbox_flush()
    cases = {c.response_id: c for c in FollowUpCase.objects.all()}
    assert set(cases) == {"r1", "r3", "r4", "r6"}
    assert (
        cases["r1"].department.key == "ecommerce" and cases["r1"].routed_by == "owning_department"
    )
    assert cases["r3"].department.key == "service"
    assert cases["r6"].department is None and cases["r6"].routed_by == "unrouted"
    assert cases["r1"].verbatim.startswith("<script>")
    sla = LoopSettings.current().sla_hours
    assert abs(
        (cases["r1"].due_at - cases["r1"].opened_at) - dt.timedelta(hours=sla)
    ) < dt.timedelta(seconds=5)
    assert cases_open(records=records) == 0  # one case per answer, whatever happens


def test_thresholds_are_settings(org):
    loop = LoopSettings.current()
    loop.nps_max = 4
    loop.save()
    assert cases_open(records=[answer(1, "website", "nps", 5), answer(2, "website", "nps", 4)]) == 1


@pytest.fixture
def people(org):
    lead, _ = user_upsert(username="lead", role="cx_lead")
    ecom, _ = user_upsert(username="ecom", role="department_owner", department="ecommerce")
    service, _ = user_upsert(username="service", role="department_owner", department="service")
    viewer, _ = user_upsert(username="viewer", role="viewer")
    cases_open(records=[answer(1, "website", "nps", 3), answer(2, "call_centre", "ces", 1)])
    return {"lead": lead, "ecom": ecom, "service": service, "viewer": viewer}


def test_department_owners_see_and_work_their_cases_only(people):
    assert case_list(actor=people["lead"]).count() == 2
    (own,) = case_list(actor=people["ecom"])
    assert own.touchpoint == "website"
    other = FollowUpCase.objects.get(touchpoint="call_centre")
    with pytest.raises(Exception, match="no such case"):
        case_get(actor=people["ecom"], pk=other.pk)
    with pytest.raises(PermissionDenied):
        case_note_add(actor=people["ecom"], case=other, text="hello")
    with pytest.raises(PermissionDenied):
        case_list(actor=people["viewer"])
    case_note_add(
        actor=people["service"],
        case=other,
        text="Rappelée, excuses",
        kind="contact",
        channel="phone",
    )
    other.refresh_from_db()
    assert other.status == CaseStatus.IN_PROGRESS and other.first_contact_at is not None


def test_working_a_case_and_its_kpis(people):
    case = FollowUpCase.objects.get(touchpoint="website")
    with pytest.raises(ValidationError, match="resolved"):
        case_status_set(actor=people["ecom"], case=case, status="closed")
    with pytest.raises(ValidationError, match="say how"):
        case_note_add(
            actor=people["ecom"], case=case, text="called", kind="contact", channel="pigeon"
        )
    with pytest.raises(ValidationError):
        case_note_add(actor=people["ecom"], case=case, text="   ")
    case_status_set(actor=people["ecom"], case=case, status="closed", resolution="Colis renvoyé")
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at and case.resolution == "Colis renvoyé"
    late = FollowUpCase.objects.get(touchpoint="call_centre")
    FollowUpCase.objects.filter(pk=late.pk).update(due_at=late.opened_at - dt.timedelta(hours=1))
    kpis = case_kpis(actor=people["lead"])
    assert (kpis["opened"], kpis["open"], kpis["overdue"], kpis["closed"], kpis["closed_late"]) == (
        2,
        1,
        1,
        1,
        0,
    )
    assert kpis["sla_breach_rate"] == 0.0 and kpis["median_hours_to_close"] is not None
    assert case_kpis(actor=people["ecom"])["open"] == 0  # their own department only


def monthly(touchpoint: str, month: str, scores: list[int], start: int) -> list[dict]:
    return [
        answer(start + i, touchpoint, "nps", s, f"{month}-{1 + i % 27:02d}T10:00:00")
        for i, s in enumerate(scores)
    ]


def load(records: list[dict]) -> None:
    table = pa.Table.from_pylist(records)
    stamps = pa.array(
        [dt.datetime.fromisoformat(v) for v in table.column("timestamp").to_pylist()],
        pa.timestamp("us"),
    )
    load_arrow(
        table="responses",
        data=table.set_column(table.schema.get_field_index("timestamp"), "timestamp", stamps),
    )


class Receiver(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def drop(org):
    good = [10] * 60 + [8] * 25 + [3] * 15  # NPS +45
    bad = [10] * 30 + [8] * 30 + [3] * 40  # NPS −10: a significant drop
    noise = [10] * 55 + [8] * 27 + [3] * 18  # NPS +37: not significant
    load(
        monthly("website", "2025-02", good, 0)
        + monthly("website", "2025-03", bad, 1000)
        + monthly("store", "2025-02", good, 2000)
        + monthly("store", "2025-03", noise, 3000)
        + monthly("call_centre", "2025-02", good[:20], 4000)
        + monthly("call_centre", "2025-03", bad[:20], 5000)  # a drop on too few answers
    )


def test_alert_raised_once_and_sent(drop, webhook, django_capture_on_commit_callbacks):
    loop = LoopSettings.current()
    loop.alert_emails = "cx@example.fr\nboss@example.fr"
    loop.webhook_url = webhook
    loop.save()
    with django_capture_on_commit_callbacks(execute=True):
        raised = alerts_check(as_of=dt.date(2025, 4, 10))
    assert [(a.metric, a.touchpoint, a.period) for a in raised] == [("nps", "website", "2025-03")]
    alert = Alert.objects.get()
    assert (alert.previous_score, alert.score, alert.delta) == (45.0, -10.0, -55.0)
    assert alert.emailed_at and alert.webhook_at and alert.last_error == ""
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["cx@example.fr", "boss@example.fr"]
    assert "website" in mail.outbox[0].subject
    assert Receiver.bodies[0]["text"].startswith(
        "CX Pilot: NPS on website dropped significantly in 2025-03"
    )
    assert Receiver.bodies[0]["alert"]["delta"] == -55.0
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_check(as_of=dt.date(2025, 4, 10)) == []  # once only
    assert len(mail.outbox) == 1 and len(Receiver.bodies) == 1


def test_no_alert_before_the_period_is_complete_or_on_noise(drop):
    assert alerts_check(as_of=dt.date(2025, 3, 20)) == []  # March not complete: Feb vs Jan
    assert Alert.objects.count() == 0


def test_failed_webhook_is_recorded_and_retried(drop, webhook, django_capture_on_commit_callbacks):
    loop = LoopSettings.current()
    loop.webhook_url = "http://127.0.0.1:9/nowhere"
    loop.save()
    with django_capture_on_commit_callbacks(execute=True):
        alerts_check(as_of=dt.date(2025, 4, 10))
    alert = Alert.objects.get()
    assert alert.webhook_at is None and alert.last_error.startswith("webhook:")
    loop.webhook_url = webhook
    loop.save()
    with django_capture_on_commit_callbacks(execute=True):
        alerts_check(as_of=dt.date(2025, 4, 10))
    alert.refresh_from_db()
    assert alert.webhook_at is not None and alert.last_error == "" and len(Receiver.bodies) == 1


def test_cli(drop):
    result = runner.invoke(app, ["alerts", "check", "--as-of", "2025-04-10", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [r["touchpoint"] for r in json.loads(result.stdout)] == ["website"]
    result = runner.invoke(app, ["alerts", "check", "--period", "year"])
    assert result.exit_code == 2 and "month or week" in result.stderr
    result = runner.invoke(app, ["cases", "open", "--since", "2025-03-01", "--format", "json"])
    assert (
        result.exit_code == 0 and json.loads(result.stdout)["opened"] == 40 + 18
    )  # website + store detractors
    result = runner.invoke(app, ["cases", "list", "--format", "json"])
    rows = json.loads(result.stdout)
    assert len(rows) == 58 and {r["department"] for r in rows} == {"ecommerce", None}
    result = runner.invoke(app, ["cases", "open", "--since", "yesterday"])
    assert result.exit_code == 2 and "is not a date" in result.stderr


def test_one_time_zone_for_every_time_shown(org, lead, settings):
    """An answer given at 07:52 UTC on 2 April 2025 shows 09:52 (Paris, summer time) on the
    verbatims page and on its case page, and every page says which time zone that is."""
    assert settings.TIME_ZONE == "Europe/Paris"  # the default of CXPILOT_TIME_ZONE
    inbox_receive(
        table="responses",
        records=[answer(1, "website", "nps", 3, when="2025-04-02T07:52:00Z")],
        source="web",
    )
    inbox_flush()
    case = FollowUpCase.objects.get()
    verbatims = lead.get("/voc/verbatims/?month=2025-04").content.decode()
    detail = lead.get(f"/voc/cases/{case.pk}/").content.decode()
    for page in (verbatims, detail):
        assert "2 Apr 2025" in page and "09:52" in page, page
        assert "07:52" not in page
        assert "Times are shown in Europe/Paris." in page


def test_one_open_retention_case_per_customer_whatever_the_reason(org, make_user):
    from cxpilot.loop.models import CaseKind, CaseStatus, FollowUpCase
    from cxpilot.loop.services import retention_cases_open

    lead = make_user("cx_lead", username="retention-lead")
    first = retention_cases_open(
        actor=lead, records=[("shop", "R1")], reason="high value at high risk"
    )
    assert len(first) == 1
    # another reason, or the same customer twice: no second open case
    again = retention_cases_open(
        actor=lead, records=[("shop", "R1"), ("shop", "R1"), ("shop", "R2")], reason="VIP call"
    )
    assert [(c.customer_id, c.reason) for c in again] == [("R2", "VIP call")]
    assert FollowUpCase.objects.filter(kind=CaseKind.RETENTION, customer_id="R1").count() == 1
    # once closed, a new one may open
    FollowUpCase.objects.filter(customer_id="R1").update(status=CaseStatus.CLOSED)
    assert len(retention_cases_open(actor=lead, records=[("shop", "R1")], reason="VIP call")) == 1
