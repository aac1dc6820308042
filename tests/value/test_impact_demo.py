"""The customer advocate on the demo company recovers its planted truths (docs/demo-data.md):
the high-churn segment (`chasseurs_bonnes_affaires`) churns more than the others, and a poor
call-centre experience makes the person churn, so a decision on the call centre touches a
moment of truth."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_demo_truths_come_out_of_an_assessment(transactional_db):
    from cxpilot.demo.services import demo_generate
    from cxpilot.value.impact import Range, impact_assessed, scope_checked

    demo_generate(customers=20_000, seed=42)
    hunters = impact_assessed(
        actor=None,
        scope=scope_checked(segments=["chasseurs_bonnes_affaires"]),
        churn=Range(2.0, 5.0),
    )
    seen = hunters["evidence"]["churn_observed"]
    assert seen["touched"]["ci_low"] > seen["others"]["ci_high"]
    assert hunters["customers_lost"]["high"] == pytest.approx(hunters["customers"] * 0.05)
    calls = impact_assessed(
        actor=None,
        scope=scope_checked(touchpoints=["call_centre"]),
        churn=Range(2.0, 5.0),
        nps=Range(-8.0, -3.0),
    )
    marked = {(m["touchpoint"], m["outcome"]) for m in calls["evidence"]["moments"]}
    assert ("call_centre", "churn") in marked
    # the past data relates NPS to churn: a lower NPS goes with more churn
    assert calls["nps_churn_relation"]["ci_high"] < 0
    implied = calls["assumption"]["churn_from_nps"]
    assert 0 < implied["low"] <= implied["high"]
