"""Create, read, update and delete of each organisation entity through HTTP."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from cxpilot.organisation.models import (
    BrandPromise,
    Department,
    Journey,
    JourneyStage,
    Segment,
    Touchpoint,
)
from tests.hostile import HOSTILE


def _stages(journey: Journey) -> list[tuple[int, str, str]]:
    return [(s.position, s.key, s.name) for s in journey.stages.order_by("position")]


def _formset_data(rows: list[dict], initial: int = 0) -> dict[str, str]:
    """POST data of the stage formset: ``rows`` are dicts of id, key, name, phase, ORDER, DELETE."""
    data = {
        "stages-TOTAL_FORMS": str(len(rows)),
        "stages-INITIAL_FORMS": str(initial),
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for name, value in row.items():
            if name == "DELETE":
                if value:
                    data[f"stages-{i}-DELETE"] = "on"
            else:
                data[f"stages-{i}-{name}"] = "" if value is None else str(value)
    return data


# --- Departments ---------------------------------------------------------------------------


def test_department_list_and_detail_show_its_touchpoints(org, viewer: Client) -> None:
    html = viewer.get(reverse("department_list")).content.decode()
    assert "E-commerce" in html and "Service client" in html
    department = Department.objects.get(key="ecommerce")
    response = viewer.get(reverse("department_detail", args=[department.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Website" in html
    assert "Call centre" not in html
    assert "Purchase › Buy" in html


def test_department_create_edit_delete(lead: Client) -> None:
    response = lead.get(reverse("department_create"))
    assert response.status_code == 200
    response = lead.post(
        reverse("department_create"),
        {"key": "marketing", "name": "Marketing", "description": "Brand"},
    )
    department = Department.objects.get(key="marketing")
    assert response.status_code == 302
    assert response["Location"] == reverse("department_detail", args=[department.pk])
    assert "“Marketing” was created." in lead.get(response["Location"]).content.decode()

    response = lead.post(
        reverse("department_update", args=[department.pk]),
        {"key": "marketing", "name": "Marketing & brand", "description": ""},
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name == "Marketing & brand"
    assert department.description == ""

    confirm = lead.get(reverse("department_delete", args=[department.pk]))
    assert confirm.status_code == 200
    assert "Delete this department?" in confirm.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    response = lead.post(reverse("department_delete", args=[department.pk]))
    assert response["Location"] == reverse("department_list")
    assert not Department.objects.filter(pk=department.pk).exists()


def test_deleting_a_department_keeps_its_touchpoints(org, lead: Client) -> None:
    department = Department.objects.get(key="ecommerce")
    confirm = lead.get(reverse("department_delete", args=[department.pk])).content.decode()
    assert "Its touchpoint will stay, with no owning department." in confirm
    lead.post(reverse("department_delete", args=[department.pk]))
    assert Touchpoint.objects.get(key="website").department is None


def test_department_bad_input_gives_field_errors_and_writes_nothing(org, lead: Client) -> None:
    before = list(Department.objects.values_list("key", "name"))
    cases = [
        ({"key": "", "name": "X"}, "key", "This field is required."),
        ({"key": "x", "name": ""}, "name", "This field is required."),
        ({"key": "not a slug!", "name": "X"}, "key", "Enter a valid “slug”"),
        ({"key": "ecommerce", "name": "Again"}, "key", "Department with this Key already exists."),
        ({"key": "k" * 61, "name": "X"}, "key", "Ensure this value has at most 60 characters"),
    ]
    for data, field, message in cases:
        response = lead.post(reverse("department_create"), data)
        assert response.status_code == 200, data
        assert message in " ".join(response.context["form"].errors[field]), data
        assert "Nothing was saved." in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()
    department = Department.objects.get(key="service")
    response = lead.post(
        reverse("department_update", args=[department.pk]), {"key": "ecommerce", "name": "Changed"}
    )
    assert response.status_code == 200
    assert "key" in response.context["form"].errors
    assert list(Department.objects.values_list("key", "name")) == before


# --- Touchpoints ---------------------------------------------------------------------------


def test_touchpoint_create_with_stage_and_department(org, lead: Client) -> None:
    stage = JourneyStage.objects.get(journey__key="purchase", key="discover")
    department = Department.objects.get(key="ecommerce")
    form_page = lead.get(reverse("touchpoint_create") + f"?stage={stage.pk}").content.decode()
    assert f'<option value="{stage.pk}" selected>Purchase › Discover</option>' in form_page
    response = lead.post(
        reverse("touchpoint_create"),
        {
            "key": "newsletter",
            "name": "Newsletter",
            "channel": "email",
            "phase": "before",
            "stage": stage.pk,
            "department": department.pk,
        },
    )
    touchpoint = Touchpoint.objects.get(key="newsletter")
    assert response["Location"] == reverse("touchpoint_detail", args=[touchpoint.pk])
    assert (touchpoint.channel, touchpoint.phase, touchpoint.stage, touchpoint.department) == (
        "email",
        "before",
        stage,
        department,
    )
    detail = lead.get(response["Location"]).content.decode()
    assert (
        "E-mail" in detail and "Before purchase" in detail and "Purchase</a> › Discover" in detail
    )


def test_touchpoint_edit_and_delete(org, lead: Client) -> None:
    touchpoint = Touchpoint.objects.get(key="store")
    response = lead.post(
        reverse("touchpoint_update", args=[touchpoint.pk]),
        {"key": "store", "name": "Flagship store", "channel": "store", "phase": "during"},
    )
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert (touchpoint.name, touchpoint.phase, touchpoint.stage) == (
        "Flagship store",
        "during",
        None,
    )
    confirm = lead.get(reverse("touchpoint_delete", args=[touchpoint.pk])).content.decode()
    assert "“store”" in confirm
    lead.post(reverse("touchpoint_delete", args=[touchpoint.pk]))
    assert not Touchpoint.objects.filter(key="store").exists()


def test_touchpoint_filters(org, viewer: Client) -> None:
    url = reverse("touchpoint_list")

    def names(query: dict) -> list[str]:
        return [t.name for t in viewer.get(url, query).context["touchpoints"]]

    assert names({}) == ["Call centre", "Store", "Website"]
    assert names({"channel": "web"}) == ["Website"]
    assert names({"channel": "phone"}) == ["Call centre"]
    assert names({"phase": "after"}) == ["Call centre"]
    assert names({"phase": "during", "channel": "store"}) == ["Store"]
    service = Department.objects.get(key="service")
    assert names({"department": service.pk}) == ["Call centre"]
    assert names({"channel": "app"}) == []
    assert (
        "No touchpoint matches these filters."
        in viewer.get(url, {"channel": "app"}).content.decode()
    )
    # unknown values are ignored, not a crash
    assert names({"channel": "fax", "department": "nope"}) == ["Call centre", "Store", "Website"]


def test_touchpoint_bad_choice_is_a_field_error(org, lead: Client) -> None:
    response = lead.post(
        reverse("touchpoint_create"),
        {"key": "kiosk", "name": "Kiosk", "channel": "fax", "stage": 99999},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "channel" in errors and "stage" in errors
    assert not Touchpoint.objects.filter(key="kiosk").exists()


# --- Journeys ------------------------------------------------------------------------------


def test_journey_detail_shows_stages_in_order_with_their_touchpoints(org, viewer: Client) -> None:
    journey = Journey.objects.get(key="purchase")
    html = viewer.get(reverse("journey_detail", args=[journey.pk])).content.decode()
    assert html.index("Discover") < html.index("Buy") < html.index("Support")
    buy = html[html.index("Buy <code>") : html.index("Support <code>")]
    assert "Website" in buy and "Store" in buy and "Call centre" not in buy
    listing = viewer.get(reverse("journey_list")).content.decode()
    assert "Discover › Buy › Support" in listing


def test_journey_create_with_ordered_stages(lead: Client) -> None:
    form_page = lead.get(reverse("journey_create"))
    assert form_page.status_code == 200
    assert 'name="stages-TOTAL_FORMS"' in form_page.content.decode()
    data = {"key": "onboarding", "name": "Onboarding", "description": ""}
    data |= _formset_data(
        [
            {"key": "welcome", "name": "Welcome", "phase": "after", "ORDER": 2},
            {"key": "signup", "name": "Sign up", "phase": "during", "ORDER": 1},
            {"key": "", "name": "", "phase": "", "ORDER": ""},  # an empty extra row
        ]
    )
    response = lead.post(reverse("journey_create"), data)
    journey = Journey.objects.get(key="onboarding")
    assert response["Location"] == reverse("journey_detail", args=[journey.pk])
    assert _stages(journey) == [(1, "signup", "Sign up"), (2, "welcome", "Welcome")]


def test_journey_edit_reorders_renames_adds_and_deletes_stages(org, lead: Client) -> None:
    journey = Journey.objects.get(key="purchase")
    discover, buy, support = journey.stages.order_by("position")
    page = lead.get(reverse("journey_update", args=[journey.pk])).content.decode()
    assert 'name="stages-0-ORDER" value="1"' in page
    data = {"key": "purchase", "name": "Purchase journey", "description": ""}
    data |= _formset_data(
        [
            {
                "id": discover.pk,
                "journey": journey.pk,
                "key": "discover",
                "name": "Discover",
                "phase": "before",
                "ORDER": 3,
            },
            {
                "id": buy.pk,
                "journey": journey.pk,
                "key": "buy",
                "name": "Buy",
                "phase": "during",
                "ORDER": 1,
                "DELETE": True,
            },
            {
                "id": support.pk,
                "journey": journey.pk,
                "key": "support",
                "name": "After-sales",
                "phase": "after",
                "ORDER": 2,
            },
            {"key": "return", "name": "Return", "phase": "after", "ORDER": 4},
        ],
        initial=3,
    )
    response = lead.post(reverse("journey_update", args=[journey.pk]), data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    journey.refresh_from_db()
    assert journey.name == "Purchase journey"
    assert _stages(journey) == [
        (1, "support", "After-sales"),
        (2, "discover", "Discover"),
        (3, "return", "Return"),
    ]
    # the kept stage keeps its touchpoints; the deleted stage's touchpoints stay, with no stage
    assert Touchpoint.objects.get(key="call_centre").stage_id == support.pk
    assert Touchpoint.objects.get(key="website").stage is None


def test_journey_edit_can_swap_stage_keys(org, lead: Client) -> None:
    journey = Journey.objects.get(key="purchase")
    discover, buy, support = journey.stages.order_by("position")
    data = {"key": "purchase", "name": "Purchase"}
    data |= _formset_data(
        [
            {
                "id": discover.pk,
                "journey": journey.pk,
                "key": "buy",
                "name": "Buy",
                "phase": "",
                "ORDER": 1,
            },
            {
                "id": buy.pk,
                "journey": journey.pk,
                "key": "discover",
                "name": "Discover",
                "phase": "",
                "ORDER": 2,
            },
            {
                "id": support.pk,
                "journey": journey.pk,
                "key": "support",
                "name": "Support",
                "phase": "",
                "ORDER": 3,
            },
        ],
        initial=3,
    )
    response = lead.post(reverse("journey_update", args=[journey.pk]), data)
    assert response.status_code == 302
    assert _stages(journey) == [
        (1, "buy", "Buy"),
        (2, "discover", "Discover"),
        (3, "support", "Support"),
    ]


def test_journey_bad_stage_writes_nothing(org, lead: Client) -> None:
    data = {"key": "returns", "name": "Returns"}
    data |= _formset_data(
        [
            {"key": "ask", "name": "Ask", "phase": "", "ORDER": 1},
            {"key": "ask", "name": "Ask again", "phase": "", "ORDER": 2},
            {"key": "refund", "name": "", "phase": "sometime", "ORDER": 3},
        ]
    )
    response = lead.post(reverse("journey_create"), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "name" in formset.errors[2] and "phase" in formset.errors[2]
    assert "Nothing was saved." in response.content.decode()
    assert not Journey.objects.filter(key="returns").exists()
    assert JourneyStage.objects.count() == 3

    # duplicate keys alone are caught by the formset
    data = {"key": "returns", "name": "Returns"}
    data |= _formset_data(
        [
            {"key": "ask", "name": "Ask", "phase": "", "ORDER": 1},
            {"key": "ask", "name": "Ask again", "phase": "", "ORDER": 2},
        ]
    )
    response = lead.post(reverse("journey_create"), data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Journey.objects.filter(key="returns").exists()


def test_journey_delete_keeps_touchpoints(org, lead: Client) -> None:
    journey = Journey.objects.get(key="purchase")
    confirm = lead.get(reverse("journey_delete", args=[journey.pk])).content.decode()
    assert "Its 3 stages will be deleted too." in confirm
    assert "Its 3 touchpoints will stay, with no journey stage." in confirm
    lead.post(reverse("journey_delete", args=[journey.pk]))
    assert not Journey.objects.exists() and not JourneyStage.objects.exists()
    assert Touchpoint.objects.count() == 3


# --- Segments ------------------------------------------------------------------------------


def test_segment_create_edit_delete(lead: Client) -> None:
    response = lead.post(
        reverse("segment_create"), {"key": "students", "name": "Students", "is_persona": "on"}
    )
    assert response["Location"] == reverse("segment_list")
    segment = Segment.objects.get(key="students")
    assert segment.is_persona
    html = lead.get(reverse("segment_list")).content.decode()
    assert "Students" in html and "Yes" in html
    lead.post(
        reverse("segment_update", args=[segment.pk]),
        {"key": "students", "name": "Students", "description": "18–25"},
    )
    segment.refresh_from_db()
    assert (segment.is_persona, segment.description) == (False, "18–25")
    lead.post(reverse("segment_delete", args=[segment.pk]))
    assert not Segment.objects.exists()


# --- Brand promises ------------------------------------------------------------------------


def test_brand_promise_create_edit_delete_with_touchpoints(org, lead: Client) -> None:
    website, store = Touchpoint.objects.get(key="website"), Touchpoint.objects.get(key="store")
    form_page = lead.get(reverse("brand_promise_create")).content.decode()
    assert 'type="checkbox" name="touchpoints"' in form_page
    response = lead.post(
        reverse("brand_promise_create"),
        {
            "key": "fast_delivery",
            "statement": "Delivered in 24 hours",
            "touchpoints": [website.pk, store.pk],
        },
    )
    assert response["Location"] == reverse("brand_promise_list")
    promise = BrandPromise.objects.get(key="fast_delivery")
    assert set(promise.touchpoints.all()) == {website, store}
    html = lead.get(reverse("brand_promise_list")).content.decode()
    assert "Delivered in 24 hours" in html and "Store</a>, " in html

    lead.post(
        reverse("brand_promise_update", args=[promise.pk]),
        {"key": "fast_delivery", "statement": "Delivered tomorrow", "touchpoints": [store.pk]},
    )
    promise.refresh_from_db()
    assert promise.statement == "Delivered tomorrow"
    assert list(promise.touchpoints.all()) == [store]
    assert (
        "Delivered tomorrow"
        in lead.get(reverse("touchpoint_detail", args=[store.pk])).content.decode()
    )

    lead.post(reverse("brand_promise_delete", args=[promise.pk]))
    assert not BrandPromise.objects.exists()
    assert Touchpoint.objects.filter(pk=store.pk).exists()


def test_brand_promise_without_statement_is_refused(org, lead: Client) -> None:
    response = lead.post(reverse("brand_promise_create"), {"key": "empty", "statement": ""})
    assert "statement" in response.context["form"].errors
    assert not BrandPromise.objects.exists()


# --- Escaping ------------------------------------------------------------------------------


def test_hostile_strings_are_shown_escaped(org, client_as) -> None:
    lead = client_as("cx_lead", first_name=HOSTILE)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    lead.post(
        reverse("department_create"), {"key": "evil", "name": HOSTILE, "description": HOSTILE}
    )
    department = Department.objects.get(key="evil")
    stage = JourneyStage.objects.get(key="buy")
    lead.post(
        reverse("touchpoint_create"),
        {"key": "evil_tp", "name": HOSTILE, "department": department.pk, "stage": stage.pk},
    )
    touchpoint = Touchpoint.objects.get(key="evil_tp")
    lead.post(
        reverse("segment_create"), {"key": "evil_seg", "name": HOSTILE, "description": HOSTILE}
    )
    lead.post(
        reverse("brand_promise_create"),
        {"key": "evil_promise", "statement": HOSTILE, "touchpoints": [touchpoint.pk]},
    )
    journey = Journey.objects.get(key="purchase")
    pages = [
        reverse("home"),
        reverse("department_list"),
        reverse("department_detail", args=[department.pk]),
        reverse("department_update", args=[department.pk]),
        reverse("department_delete", args=[department.pk]),
        reverse("touchpoint_list"),
        reverse("touchpoint_detail", args=[touchpoint.pk]),
        reverse("touchpoint_update", args=[touchpoint.pk]),
        reverse("journey_detail", args=[journey.pk]),
        reverse("segment_list"),
        reverse("brand_promise_list"),
        reverse("touchpoint_create"),
        reverse("brand_promise_create"),
    ]
    for url in pages:
        html = lead.get(url).content.decode()
        assert "<script>" not in html, url
        assert escaped in html, url
    # the success message names the object, escaped too
    response = lead.post(
        reverse("department_update", args=[department.pk]),
        {"key": "evil", "name": HOSTILE},
        follow=True,
    )
    html = response.content.decode()
    assert "<script>" not in html
    assert f"“{escaped}” was saved." in html


def test_a_service_refusal_after_the_form_passed_is_shown_and_writes_nothing(
    lead: Client, monkeypatch
) -> None:
    from cxpilot.kernel.errors import Problem, ValidationError
    from cxpilot.organisation import services

    def refuse(**kwargs):
        raise ValidationError(
            "the key is reserved",
            where="department.key",
            problems=[Problem(where="key", reason="the key is reserved")],
        )

    monkeypatch.setattr(services, "entity_create", refuse)
    response = lead.post(reverse("department_create"), {"key": "admin", "name": "Admin"})
    assert response.status_code == 200
    assert response.context["form"].errors["key"] == ["the key is reserved"]

    def refuse_all(**kwargs):
        raise ValidationError("not now", where="department")

    monkeypatch.setattr(services, "entity_create", refuse_all)
    response = lead.post(reverse("department_create"), {"key": "admin", "name": "Admin"})
    assert response.context["form"].non_field_errors() == ["department: not now"]
    assert not Department.objects.exists()
