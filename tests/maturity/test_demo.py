"""The demo campaigns: deterministic, closed, marked as demo, with the planted truths."""

from __future__ import annotations

import yaml

from cxpilot.maturity import selectors
from cxpilot.maturity.demo import demo_load as maturity_demo_load
from cxpilot.maturity.models import Campaign
from cxpilot.organisation.services import org_load


def test_demo_campaigns(db):
    with open("src/cxpilot/organisation/data/demo.yaml", encoding="utf-8") as handle:
        org_load(data={"departments": yaml.safe_load(handle)["departments"]})
    counts = maturity_demo_load(seed=42)
    assert counts["campaigns"] == 2 and counts["respondents"] == 2 * 63
    old, new = Campaign.objects.order_by("starts_on")
    assert old.is_demo and new.is_demo and old.status == new.status == "closed"
    before, after = selectors.campaign_result(old), selectors.campaign_result(new)
    assert (before["overall_level"], after["overall_level"]) == (2, 3)
    assert after["alignment_gap_dimension"] == "journey_design"
    assert {s["department"] for s in after["suppressed"]} == {"dsi", "logistique", "partenaires"}
    culture = [selectors.campaign_culture(c) for c in (old, new)]
    assert culture[0]["entropy"] > culture[1]["entropy"]
    scores = selectors.latest_dimension_scores()
    assert scores == {d["dimension"]: d["score"] for d in after["dimensions"]}
    # deterministic: the same seed gives the same numbers, and loading again replaces
    maturity_demo_load(seed=42)
    assert Campaign.objects.count() == 2
    assert selectors.latest_dimension_scores() == scores
