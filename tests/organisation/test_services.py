"""The organisation write services called directly, as scripts and the API do."""

from __future__ import annotations

import pytest

from cxpilot.kernel.errors import NotFound, PermissionDenied, ValidationError
from cxpilot.organisation import selectors, services
from cxpilot.organisation.models import Department, Journey, JourneyStage, Touchpoint


def _keys(journey: Journey) -> list[tuple[int, str]]:
    return list(journey.stages.order_by("position").values_list("position", "key"))


def test_create_checks_fields_and_names_where(db) -> None:
    with pytest.raises(ValidationError) as info:
        services.department_create(actor=None, key="not a slug", name="")
    assert info.value.where in ("department.key", "department.name")
    assert set(info.value.by_where()) == {"key", "name"}
    assert not Department.objects.exists()


def test_update_rejects_unknown_fields(org) -> None:
    department = Department.objects.get(key="ecommerce")
    with pytest.raises(ValidationError, match="unknown field"):
        services.department_update(actor=None, department=department, data={"colour": "red"})


def test_duplicate_key_is_a_validation_error(org) -> None:
    with pytest.raises(ValidationError) as info:
        services.touchpoint_create(actor=None, key="website", name="Another website")
    assert info.value.where == "touchpoint.key"
    assert Touchpoint.objects.filter(key="website").count() == 1


def test_journey_create_orders_stages_as_given(db) -> None:
    journey = services.journey_create(
        actor=None,
        key="j",
        name="J",
        stages=[
            {"key": "c", "name": "C"},
            {"key": "a", "name": "A", "phase": "before"},
            {"key": "b", "name": "B"},
        ],
    )
    assert _keys(journey) == [(1, "c"), (2, "a"), (3, "b")]


def test_journey_update_reorders_keeps_ids_and_deletes_the_rest(org) -> None:
    journey = Journey.objects.get(key="purchase")
    discover, buy, support = journey.stages.order_by("position")
    services.journey_update(
        actor=None,
        journey=journey,
        data={},
        stages=[
            {"id": support.pk, "key": "support", "name": "Support"},
            {"id": discover.pk, "key": "discover", "name": "Discover"},
        ],
    )
    assert _keys(journey) == [(1, "support"), (2, "discover")]
    assert not JourneyStage.objects.filter(pk=buy.pk).exists()
    assert Touchpoint.objects.get(key="call_centre").stage_id == support.pk


def test_journey_update_after_org_load_left_stale_positions(org) -> None:
    """org_load parks stages it no longer lists at high positions; edits still work."""
    from cxpilot.organisation.services import org_load

    org_load(
        data={"journeys": [{"key": "purchase", "name": "Purchase", "stages": ["Discover", "Buy"]}]}
    )
    journey = Journey.objects.get(key="purchase")
    stages = list(journey.stages.order_by("position"))
    assert stages[-1].position > 100_000
    services.journey_update(
        actor=None,
        journey=journey,
        data={},
        stages=[{"id": s.pk, "key": s.key, "name": s.name} for s in reversed(stages)],
    )
    assert [p for p, _ in _keys(journey)] == [1, 2, 3]


def test_journey_update_refuses_bad_stages_and_writes_nothing(org) -> None:
    journey = Journey.objects.get(key="purchase")
    other = services.journey_create(
        actor=None, key="other", name="Other", stages=[{"key": "x", "name": "X"}]
    )
    before = _keys(journey)
    bad = [
        ([{"key": "a", "name": "A"}, {"key": "a", "name": "B"}], "journey.stages[1].key"),
        ([{"key": "a", "name": ""}], "journey.stages[0].name"),
        ([{"key": "a", "name": "A", "phase": "never"}], "journey.stages[0].phase"),
        ([{"id": other.stages.get().pk, "key": "a", "name": "A"}], "journey.stages[0]"),
        ([{"key": "a", "name": "A", "colour": "red"}], "journey.stages[0]"),
    ]
    for stages, where in bad:
        with pytest.raises(ValidationError) as info:
            services.journey_update(
                actor=None, journey=journey, data={"name": "Changed"}, stages=stages
            )
        assert info.value.where == where
    journey.refresh_from_db()
    assert journey.name == "Purchase"
    assert _keys(journey) == before


def test_analyst_cannot_write_but_can_read(org, make_user) -> None:
    analyst = make_user("analyst")
    assert selectors.touchpoint_list(actor=analyst).count() == 3
    with pytest.raises(PermissionDenied):
        services.touchpoint_update(
            actor=analyst, touchpoint=Touchpoint.objects.get(key="store"), data={"name": "X"}
        )
    assert Touchpoint.objects.get(key="store").name == "Store"


def test_selectors_refuse_users_without_role_and_raise_not_found(org, make_user) -> None:
    nobody = make_user(None)
    with pytest.raises(PermissionDenied):
        selectors.department_list(actor=nobody)
    with pytest.raises(NotFound):
        selectors.journey_get(actor=None, pk=99999)


def test_home_summary_for_the_system(org) -> None:
    from cxpilot.home.selectors import home_summary

    summary = home_summary(actor=None)
    assert summary.org_counts["touchpoints"] == 3
    assert summary.warehouse_counts == {
        "customers": 0,
        "interactions": 0,
        "responses": 0,
        "transactions": 0,
    }
    assert summary.warehouse_empty and not summary.organisation_empty


def test_org_rows_lists_each_kind_with_keys(org) -> None:
    from cxpilot.organisation.services import org_load

    org_load(
        data={
            "brand_promises": [
                {"key": "near", "statement": "Near you", "touchpoints": ["store", "website"]}
            ]
        }
    )
    touchpoints = selectors.org_rows(kind="touchpoints")
    assert touchpoints[0] == {
        "key": "call_centre",
        "name": "Call centre",
        "channel": "phone",
        "mode": "",
        "phase": "after",
        "journey": "purchase",
        "stage": "support",
        "department": "service",
    }
    assert touchpoints[1]["department"] == ""
    journeys = selectors.org_rows(kind="journeys")
    assert [(r["journey"], r["position"], r["stage"]) for r in journeys] == [
        ("purchase", 1, "discover"),
        ("purchase", 2, "buy"),
        ("purchase", 3, "support"),
    ]
    assert selectors.org_rows(kind="departments")[0] == {
        "key": "ecommerce",
        "name": "E-commerce",
        "description": "",
        "touchpoints": 1,
    }
    assert selectors.org_rows(kind="segments") == [
        {"key": "families", "name": "Families", "persona": False, "description": ""}
    ]
    assert selectors.org_rows(kind="brand_promises") == [
        {"key": "near", "statement": "Near you", "touchpoints": "store|website", "measure": ""}
    ]
    with pytest.raises(ValidationError, match="unknown kind 'people'"):
        selectors.org_rows(kind="people")


def test_org_rows_load_back_unchanged(org, tmp_path) -> None:
    import csv

    from cxpilot.organisation.services import org_load_file

    for kind in ("departments", "journeys", "segments", "touchpoints"):
        rows = selectors.org_rows(kind=kind)
        path = tmp_path / f"{kind}.csv"
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        org_load_file(path=path, kind=kind)
        assert selectors.org_rows(kind=kind) == rows, kind


def test_a_csv_value_over_the_field_limit_names_the_line(org, tmp_path) -> None:
    import csv

    from cxpilot.organisation.services import org_load_file

    path = tmp_path / "segments.csv"
    path.write_text('key,name\nvip,"' + "x" * (csv.field_size_limit() + 1) + '"\n')
    with pytest.raises(ValidationError) as info:
        org_load_file(path=path, kind="segments")
    assert info.value.where == f"{path}:line 2"
    assert info.value.detail.startswith("a value is longer than")
