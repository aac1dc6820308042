"""The demo company's organisation file loads, and agrees with the generator."""

from __future__ import annotations

from cxpilot.demo import generator
from cxpilot.organisation.demo import demo_organisation as organisation
from cxpilot.organisation.models import BrandPromise, Department, Journey, Segment, Touchpoint
from cxpilot.organisation.services import org_load


def test_the_organisation_loads(db) -> None:
    counts = org_load(data=organisation(), source="demo")
    assert counts == {
        "departments": 10,
        "journeys": 1,
        "segments": 6,
        "touchpoints": 14,
        "brand_promises": 5,
    }
    assert org_load(data=organisation(), source="demo") == counts  # loading again changes nothing
    assert Department.objects.count() == 10
    journey = Journey.objects.get(key="achat")
    phases = [(s.key, s.phase) for s in journey.stages.order_by("position")]
    assert phases == [
        ("decouverte", "before"),
        ("consideration", "before"),
        ("achat", "during"),
        ("livraison", "during"),
        ("utilisation", "after"),
        ("service_apres_vente", "after"),
        ("fidelisation", "after"),
    ]
    assert set(Segment.objects.values_list("key", flat=True)) == set(generator.SEGMENT_KEYS)
    assert Segment.objects.get(key="professionnels").is_persona is False
    for promise in BrandPromise.objects.all():
        assert promise.touchpoints.exists(), promise.key


def test_touchpoints_match_the_generator(db) -> None:
    org_load(data=organisation(), source="demo")
    loaded = {tp.key: tp for tp in Touchpoint.objects.select_related("stage", "department")}
    assert set(loaded) == set(generator.TOUCHPOINTS)
    for key, channel in generator.TOUCHPOINT_CHANNELS.items():
        tp = loaded[key]
        assert tp.channel == channel, key
        assert tp.department is not None and tp.name, key
        if key == "relation":  # the relationship survey is outside the journey
            assert tp.stage is None and tp.phase == "", key
            continue
        assert tp.stage is not None, key
        assert tp.phase == tp.stage.phase, key
    assert loaded["call_centre"].department.key == "service_client"
    assert loaded["delivery"].stage.key == "livraison"
    assert loaded["website"].department.key == "e_commerce"


def test_keys_are_ascii_snake_case() -> None:
    data = organisation()
    for kind, items in data.items():
        for item in items:
            key = item["key"]
            assert key.isascii() and key == key.lower() and " " not in key and "-" not in key, (
                kind,
                key,
            )
