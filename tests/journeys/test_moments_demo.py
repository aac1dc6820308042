"""The moments of truth recover the demo's planted truths (docs/demo-data.md):

- (b) a poor call-centre experience makes the person churn (probability 0.5, 7 to 60 days
  later), and no other touchpoint's experience changes churn: the call centre comes first
  for churn and for repeat purchase, with an interval clear of 0 and above every other
  touchpoint's estimate;
- (f) the relationship NPS follows delivery (weight 0.7), the store (0.45) and the product
  (0.25): delivery comes first for the relationship NPS.

One demo (20,000 customers, seed 42: the default, the smallest size at which delivery stays
clearly ahead of the product for the relationship NPS) is generated for the module and
every outcome is estimated once on it."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow

#: The estimates on the demo, computed by the first test that needs them (each test has a
#: fresh warehouse; the demo is generated once for the module).
_FOUND: dict[str, Any] = {}


@pytest.fixture
def found(transactional_db) -> dict[str, Any]:
    if not _FOUND:
        from cxpilot.demo.services import demo_generate
        from cxpilot.journeys.moments import OUTCOMES, moments_of_truth

        demo_generate(customers=20_000, seed=42)
        _FOUND.update(
            {outcome: moments_of_truth(actor=None, outcome=outcome) for outcome in OUTCOMES}
        )
    return _FOUND


def by_touchpoint(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["touchpoint"]: r for r in rows}


def test_a_poor_call_comes_first_for_churn(found):
    rows = found["churn"].rows
    first = rows[0]
    assert first["touchpoint"] == "call_centre" and first["rank"] == 1
    # a churn probability of 0.5 after a poor call, on persons who would mostly have bought
    # again: an effect of some 20 to 30 points, clear of 0 and of every other touchpoint
    assert 15 < first["ci_low"] and first["ci_high"] < 35
    assert all(first["ci_low"] > r["effect"] for r in rows[1:])
    # no other touchpoint's experience changes churn: none is clearly harmful
    assert sum(r["ci_low"] > 0 for r in rows[1:]) <= 1


def test_a_poor_call_comes_first_for_repeat_purchase(found):
    rows = found["repeat"].rows
    first = rows[0]
    assert first["touchpoint"] == "call_centre"
    assert first["ci_high"] < -5
    assert all(first["ci_high"] < r["effect"] for r in rows[1:])


def test_delivery_comes_first_for_the_relationship_nps(found):
    nps = found["nps"]
    assert nps.outcome_touchpoint == "relation" and nps.unit == "NPS points"
    rows = by_touchpoint(nps.rows)
    assert nps.rows[0]["touchpoint"] == "delivery"
    assert rows["delivery"]["ci_high"] < 0
    # the store and the product, the other two drivers, are harmful too
    assert rows["store"]["ci_high"] < 0 and rows["product"]["ci_high"] < 0
