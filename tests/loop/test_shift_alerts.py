"""Sustained shifts raise alerts beside the period-to-period test: once, listed with their
method and evidence by ``cxpilot alerts list`` and on the alerts page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import numpy as np
import pyarrow as pa
import pytest
from django.core import mail
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.loop.alerts import alerts_check, message
from cxpilot.loop.models import Alert, AlertMethod, LoopSettings
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()
FIRST_MONDAY = dt.date(2025, 1, 6)
DROP_WEEK = 32  # 2025-08-18: builds over four weeks, across the August–September boundary
WEEKS = 40  # to 2025-10-12
AS_OF = FIRST_MONDAY + dt.timedelta(weeks=WEEKS)  # Monday 2025-10-13


def csat_answers(touchpoint: str, drop: bool, seed: int) -> list[dict]:
    """40 CSAT answers a week; with ``drop``, the mean falls from about 4.1 to 3.5 from
    :data:`DROP_WEEK`, a quarter of the way more each week."""
    rng = np.random.default_rng(seed)
    before = np.array([0.03, 0.05, 0.10, 0.42, 0.40])
    after = np.array([0.12, 0.12, 0.16, 0.35, 0.25])
    rows = []
    for week in range(WEEKS):
        share = min(max(week - DROP_WEEK + 1, 0) / 4, 1.0) if drop else 0.0
        p = (1 - share) * before + share * after
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        for i, score in enumerate(rng.choice(np.arange(1, 6), size=40, p=p / p.sum())):
            rows.append(
                {
                    "response_id": f"{touchpoint}-{week}-{i}",
                    "customer_id": f"c{week}-{i}",
                    "touchpoint": touchpoint,
                    "timestamp": dt.datetime.combine(
                        monday + dt.timedelta(days=i % 7), dt.time(9 + i % 10)
                    ),
                    "metric": "csat",
                    "score": int(score),
                    "source": "web",
                    "verbatim": None,
                }
            )
    return rows


@pytest.fixture
def gradual(org):
    rows = csat_answers("website", drop=True, seed=1) + csat_answers("store", drop=False, seed=2)
    table = pa.Table.from_pylist(rows)
    stamps = pa.array(table.column("timestamp").to_pylist(), pa.timestamp("us"))
    load_arrow(
        table="responses",
        data=table.set_column(table.schema.get_field_index("timestamp"), "timestamp", stamps),
    )


def cusum_alerts() -> list[Alert]:
    return list(Alert.objects.filter(method=AlertMethod.CUSUM))


def test_a_building_drop_raises_one_cusum_alert_with_its_evidence(gradual):
    drop = FIRST_MONDAY + dt.timedelta(weeks=DROP_WEEK)
    raised = alerts_check(as_of=AS_OF, history=True)
    (alert,) = [a for a in raised if a.method == AlertMethod.CUSUM]
    assert (alert.metric, alert.touchpoint, alert.period_kind) == ("csat", "website", "week")
    assert drop <= alert.detected_on <= drop + dt.timedelta(weeks=5)
    assert alert.period == (alert.detected_on - dt.timedelta(days=6)).isoformat()
    assert alert.measure == "mean" and alert.p_value is None
    assert alert.previous_score == pytest.approx(4.1, abs=0.15)
    assert alert.delta < -0.3 and alert.score == pytest.approx(alert.previous_score + alert.delta)
    evidence = alert.evidence
    assert evidence["statistic"] > evidence["threshold"] == 5.0 and evidence["k"] == 1.0
    assert drop - dt.timedelta(weeks=2) <= dt.date.fromisoformat(evidence["shift_start"]) <= drop
    assert evidence["reference_end"] < evidence["shift_start"] and evidence["z"] < -3
    assert evidence["baseline_n"] >= 26 * 40 and evidence["min_answers"] == 30
    assert "CSAT on website has dropped since" in message(alert)
    assert not [a for a in Alert.objects.all() if a.touchpoint == "store"]
    assert alerts_check(as_of=AS_OF, history=True) == []  # once
    assert alerts_check(as_of=AS_OF + dt.timedelta(weeks=3), history=True) == []


def test_the_hourly_check_raises_it_in_the_week_after_and_sends_it(
    gradual, django_capture_on_commit_callbacks
):
    alerts_check(as_of=AS_OF, history=True)
    (found,) = cusum_alerts()
    Alert.objects.all().delete()
    loop = LoopSettings.current()
    loop.alert_emails = "cx@example.fr"
    loop.save()
    assert not [a for a in alerts_check(as_of=found.detected_on) if a.method == "cusum"]
    with django_capture_on_commit_callbacks(execute=True):
        raised = alerts_check(as_of=found.detected_on + dt.timedelta(days=1))
    assert [(a.method, a.detected_on) for a in raised if a.method == "cusum"] == [
        ("cusum", found.detected_on)
    ]
    assert any("has dropped since" in m.body for m in mail.outbox)


def test_a_stored_shift_is_not_raised_again_a_week_later(gradual):
    """Answers imported late may move the week a shift is detected; it is one shift."""
    alerts_check(as_of=AS_OF, history=True)
    (alert,) = cusum_alerts()
    Alert.objects.filter(pk=alert.pk).update(
        period=(alert.detected_on - dt.timedelta(days=13)).isoformat(),
        detected_on=alert.detected_on - dt.timedelta(weeks=1),
    )
    assert [a for a in alerts_check(as_of=AS_OF, history=True) if a.method == "cusum"] == []


def test_alerts_list_shows_every_alert_with_method_scores_and_evidence(gradual):
    result = runner.invoke(app, ["alerts", "list", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    alerts_check(as_of=AS_OF, history=True)
    result = runner.invoke(app, ["alerts", "list", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and len(rows) == Alert.objects.count()
    (shift,) = [r for r in rows if r["method"] == "cusum"]
    for key in (
        "metric",
        "touchpoint",
        "period",
        "detected_on",
        "method",
        "previous_score",
        "score",
        "delta",
        "n",
        "p_value",
        "evidence",
        "acknowledged",
    ):
        assert key in shift
    assert shift["touchpoint"] == "website" and shift["measure"] == "mean"
    assert shift["evidence"]["shift_start"] and shift["acknowledged"] is False
    detected = [r["detected_on"] for r in rows]
    assert detected == sorted(detected, reverse=True)
    # filters
    for args, expected in (
        (["--method", "cusum"], 1),
        (["--metric", "csat", "--touchpoint", "website", "--method", "cusum"], 1),
        (["--metric", "nps"], 0),
        (["--touchpoint", "store"], 0),
        (["--since", shift["detected_on"], "--method", "cusum"], 1),
        (["--since", "2030-01-01"], 0),
    ):
        result = runner.invoke(app, ["alerts", "list", *args, "--format", "json"])
        assert result.exit_code == 0 and len(json.loads(result.stdout)) == expected, args
    result = runner.invoke(app, ["alerts", "list", "--format", "csv", "--method", "cusum"])
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert row["method"] == "cusum" and json.loads(row["evidence"])["threshold"] == 5.0
    result = runner.invoke(app, ["alerts", "list"], env={"COLUMNS": "160"})
    assert result.exit_code == 0 and "cusum" in result.stdout
    assert f"since {shift['evidence']['shift_start']}" in result.stdout


@pytest.mark.parametrize(
    "args, says",
    [
        (["--metric", "promoters"], "--metric: unknown metric 'promoters'"),
        (["--method", "ewma"], "--method: unknown method 'ewma'; use period or cusum"),
        (["--since", "2026-13-01"], "--since: '2026-13-01' is not a date"),
        (["--since", "1066-10-14"], "--since: '1066-10-14' is out of range"),
        (["--format", "xml"], "'xml' is not one of"),
    ],
)
def test_alerts_list_bad_input_is_one_clear_error(db, args, says):
    result = runner.invoke(app, ["alerts", "list", *args])
    assert result.exit_code == 2
    assert says in " ".join(result.stderr.split())
    assert "Traceback" not in result.output + result.stderr


def test_alerts_check_prints_the_new_ones_with_their_method(gradual):
    result = runner.invoke(
        app, ["alerts", "check", "--history", "--as-of", AS_OF.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert "cusum" in {r["method"] for r in json.loads(result.stdout)}
    result = runner.invoke(
        app, ["alerts", "check", "--history", "--as-of", AS_OF.isoformat(), "--format", "json"]
    )
    assert json.loads(result.stdout) == []


def test_the_alerts_page_shows_method_and_evidence_in_both_languages(gradual, client_as):
    alerts_check(as_of=AS_OF, history=True)
    lead = client_as("cx_lead")
    page = lead.get("/voc/alerts/").content.decode()
    assert "Sustained shift (CUSUM)" in page and "standard errors over" in page
    assert "Detected on" in page and "Evidence" in page
    lead.cookies["django_language"] = "fr"
    page = lead.get("/voc/alerts/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Baisse durable (CUSUM)" in page and "erreurs types sur" in page
    assert "Détectée le" in page and "Preuves" in page
