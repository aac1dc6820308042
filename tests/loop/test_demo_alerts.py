"""The alerts on the default demo (20,000 customers, seed 42; docs/demo-data.md): the delivery
incident of website orders from 2026-03-01 is alerted on the website NPS and on the delivery
CSAT by the end of April 2026, and no touchpoint without a planted drop raises any drop alert,
by either method, over the two years.

The default demo generates and loads in about ten seconds, so these tests use it as it is
(``cxpilot demo generate`` with its defaults), not a smaller one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.demo.generator import DELIVERY_INCIDENT_START
from cxpilot.loop.alerts import alerts_check
from cxpilot.loop.models import Alert

runner = CliRunner()
INCIDENT = dt.date.fromisoformat(DELIVERY_INCIDENT_START)
END_OF_APRIL = dt.date(2026, 4, 30)
#: The planted drops (truth (a)): every other series has none. The app's planted changes
#: (truth (e), from 2025-09-15) are rises.
PLANTED_DROPS = {("nps", "website"), ("ces", "website"), ("csat", "delivery")}


def generate_default_demo() -> None:
    result = runner.invoke(app, ["demo", "generate"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_demo_generate_raises_the_incident_alerts_and_no_false_one():
    generate_default_demo()
    result = runner.invoke(app, ["alerts", "list", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == Alert.objects.count() > 0
    found = {(r["method"], r["metric"], r["touchpoint"]): r for r in rows}
    for metric, touchpoint in (("nps", "website"), ("csat", "delivery")):
        shift = found[("cusum", metric, touchpoint)]
        detected = dt.date.fromisoformat(shift["detected_on"])
        assert INCIDENT <= detected <= END_OF_APRIL, shift
        assert shift["delta"] < 0 and shift["evidence"]["shift_start"] >= "2026-02-16"
    csat = found[("cusum", "csat", "delivery")]
    assert csat["previous_score"] == pytest.approx(4.06, abs=0.03)  # mean CSAT before
    assert csat["score"] < 3.9
    # the period-to-period test alerts the website NPS (and CES) for March, as before
    assert found[("period", "nps", "website")]["period"] == "2026-03"
    # nothing else, ever: no drop alert on a touchpoint without a planted drop, and none on
    # the incident's series before the incident
    for row in rows:
        assert (row["metric"], row["touchpoint"]) in PLANTED_DROPS, row
        assert dt.date.fromisoformat(row["detected_on"]) >= INCIDENT, row
    # the hourly check adds nothing to what the generation raised
    assert alerts_check(as_of=dt.date(2026, 11, 2), history=True) == []
    assert alerts_check(period="week", as_of=dt.date(2026, 11, 2)) == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_checking_week_by_week_alerts_the_incident_by_the_end_of_april():
    """Replayed as the server would run it (``alerts check`` with its defaults, as of each
    Monday from February to May 2026), the check raises the shifts in March."""
    generate_default_demo()
    Alert.objects.all().delete()
    first_raised: dict[tuple[str, str, str], dt.date] = {}
    monday = dt.date(2026, 2, 2)
    while monday <= dt.date(2026, 5, 4):
        for alert in alerts_check(as_of=monday):
            first_raised.setdefault((alert.method, alert.metric, alert.touchpoint), monday)
        monday += dt.timedelta(weeks=1)
    for series in (("cusum", "nps", "website"), ("cusum", "csat", "delivery")):
        assert INCIDENT < first_raised[series] <= END_OF_APRIL, (series, first_raised)
    assert first_raised[("period", "nps", "website")] == dt.date(2026, 4, 6)  # March, complete
    assert ("period", "csat", "delivery") not in first_raised  # split between two months
    assert {(m, t) for _, m, t in first_raised} <= PLANTED_DROPS
