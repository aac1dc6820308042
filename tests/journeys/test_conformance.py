"""Target journeys: the YAML definition and its checks, the conformance report on a small log
worked out by hand, the outcomes, the pages and the commands."""

from __future__ import annotations

import datetime as dt
import json
import math

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.journeys.stats import proportion_difference
from cxpilot.journeys.targets import MAX_YAML_BYTES, from_yaml, parse
from cxpilot.kernel.errors import ValidationError
from tests.hostile import HOSTILE, HOSTILE_ESCAPED

runner = CliRunner()

T0 = dt.datetime(2026, 1, 5, 9)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


#: The target: an optional visit, the order, then the delivery or the pickup within 96 hours;
#: any other activity is a deviation.
TARGET_YAML = """
key: order_online
name: Order online
case: person
activity: type
allow_other: false
steps:
  - key: visit
    name: Visit
    activities: [visit]
    required: false
  - key: order
    name: Order
    activities: [order]
  - key: delivered
    name: Delivered or picked up
    activities: [delivery, pickup]
    within_hours: 96
"""

#: Seven customers (each its own case: a person), and what the target makes of each:
#:   A visit, order, delivery 24 h later ........ conforms
#:   B order, delivery 120 h later .............. time limit breached by 24 h
#:   C order ..................................... step "delivered" missing
#:   D delivery, then the order a day later ...... wrong order (order must come before delivered)
#:   E order, call, pickup 24 h later ............ unexpected activity "call"
#:   F order, pickup 48 h later .................. conforms
#:   G order, delivery 100 h later ............... time limit breached by 4 h
PATHS: dict[str, list[tuple[str, float]]] = {
    "A": [("visit", 0), ("order", 1), ("delivery", 25)],
    "B": [("order", 0), ("delivery", 120)],
    "C": [("order", 0)],
    "D": [("delivery", 0), ("order", 24)],
    "E": [("order", 0), ("call", 1), ("pickup", 24)],
    "F": [("order", 0), ("pickup", 48)],
    "G": [("order", 0), ("delivery", 100)],
}


def _events() -> list[dict]:
    return [
        {
            "event_id": f"{customer}{i}",
            "customer_id": customer,
            "touchpoint": "website",
            "timestamp": at(hours),
            "source": "shop",
            "channel": "web",
            "type": kind,
        }
        for customer, path in PATHS.items()
        for i, (kind, hours) in enumerate(path)
    ]


def _end(customer: str) -> dt.datetime:
    return at(max(h for _k, h in PATHS[customer]))


def test_yaml_round_trip_and_defaults():
    definition = from_yaml(TARGET_YAML)
    steps = {s.key: s for s in definition.steps}
    assert steps["visit"].after == () and steps["order"].after == ("visit",)
    assert steps["delivered"].after == ("order",) and steps["delivered"].within_hours == 96
    assert not steps["visit"].required and steps["order"].required
    assert from_yaml(definition.to_yaml()) == definition
    assert parse(definition.as_dict()) == definition
    # the default "after" is not written out; a changed one is, and reads back the same
    assert "after" not in definition.to_yaml()
    free = parse(
        {
            **definition.as_dict(),
            "steps": [
                *definition.as_dict()["steps"][:2],
                {"key": "delivered", "name": "D", "activities": ["delivery"], "after": []},
            ],
        }
    )
    assert "after: []" in free.to_yaml() and from_yaml(free.to_yaml()) == free


def _problems(data) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse(data) if not isinstance(data, str) else from_yaml(data)
    exc = caught.value
    return [(p.where, p.reason) for p in exc.problems] or [(exc.where or "", exc.detail)]


def _step(key: str, **fields) -> dict:
    return {"key": key, "name": key.title(), "activities": [key], **fields}


def _target(*steps: dict, **fields) -> dict:
    return {"key": "t", "name": "T", "steps": list(steps), **fields}


@pytest.mark.pure
@pytest.mark.parametrize(
    ("data", "where", "reason"),
    [
        ([1, 2], "target", "is an object"),
        (_target(_step("a"), colour="red"), "target", "unknown key(s) 'colour'"),
        (_target(_step("a", colour=1)), "steps[1]", "unknown key(s) 'colour'"),
        ({"name": "T", "steps": [_step("a")]}, "key", "is required"),
        (_target(_step("a"), key="not a key!"), "key", "is not a key"),
        (_target(_step("a"), name=HOSTILE + "\x07"), "name", "control character U+0007"),
        (_target(_step("a"), name="\u202eevil"), "name", "control character U+202E"),
        (_target(_step("a"), name="x" * 200), "name", "longer than 120"),
        (_target(_step("a"), case="household"), "case", "must be one of person, journey"),
        (_target(_step("a"), activity="mood"), "activity", "must be one of touchpoint, type"),
        (_target(_step("a"), allow_other="yes"), "allow_other", "must be true or false"),
        (_target(), "steps", "one step or more"),
        (_target(*[_step(f"s{i}") for i in range(41)]), "steps", "more than 40 steps"),
        (_target(_step("a"), _step("a")), "steps[2].key", "key of an earlier step"),
        (_target({"key": "a", "name": "A"}), "steps[1] (a).activities", "needs one"),
        (
            _target(_step("a"), {"key": "b", "name": "B", "activities": ["a"]}),
            "steps[2] (b).activities",
            "'a' is an activity of step 'a' too",
        ),
        (_target(_step("a"), _step("b", after=["zz"])), "steps[2] (b).after", "not the key"),
        (_target(_step("a", after=["a"])), "steps[1] (a).after", "after itself"),
        (
            _target(_step("a", after=["c"]), _step("b"), _step("c")),
            "steps (a)",
            "cycle: a → b → c → a",
        ),
        (
            _target(_step("a"), _step("b", within_hours=-3)),
            "steps[2] (b).within_hours",
            "more than 0",
        ),
        (_target(_step("a"), _step("b", within_hours="2d")), "steps[2] (b).within_hours", "number"),
        (
            _target(_step("a"), _step("b", within_hours=10**9)),
            "steps[2] (b).within_hours",
            "at most",
        ),
        (_target(_step("a", within_hours=5)), "steps[1] (a).within_hours", "has none"),
        (_target(_step("a", required="no")), "steps[1] (a).required", "true or false"),
        (_target(_step("a", required=False)), "steps", "at least one step must be required"),
        (
            _target({"key": "a", "name": "A", "activities": ["x", "x"]}),
            "steps[1] (a).activities",
            "twice",
        ),
        (
            _target(_step("a"), _step("b", within_hours=int("9" * 400))),
            "steps[2] (b).within_hours",
            "at most",
        ),
        ("key: a\nname: A\nkey: b\n", "target:line 3", "the key 'key' is written twice"),
        ("key: [unclosed", "target:line 1", "not valid YAML"),
        ("a: &x [1]\nb: *x\n", "target:line 2", "aliases"),
        ("x" * (MAX_YAML_BYTES + 1), "target", "at most 100,000"),
        ("[" * 5000, "target", "nests too deeply"),
    ],
)
def test_every_validation_error_names_the_step_and_field(data, where, reason):
    problems = _problems(data)
    assert any(w == where and reason in r for w, r in problems), problems


@pytest.mark.pure
def test_proportion_difference_against_newcombe():
    """Newcombe (1998), table II, method 10."""
    for (x1, n1, x2, n2), (low, high) in {
        (56, 70, 48, 80): (5.24, 33.39),
        (9, 10, 3, 10): (17.05, 80.90),
        (6, 7, 2, 7): (5.82, 80.62),
        (5, 56, 0, 29): (-3.81, 19.26),
    }.items():
        found = proportion_difference(x1, n1, x2, n2)
        assert (round(found.ci_low, 2), round(found.ci_high, 2)) == (low, high)


def _wilson(x: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def _check_conformance(report: dict) -> None:
    """The answer worked out by hand (see PATHS)."""
    assert report["cases"] == 7 and report["conforming"] == 2  # A and F
    assert report["conforming_share"] == pytest.approx(100 * 2 / 7, abs=0.01)
    low, high = _wilson(2, 7)
    assert report["ci_low"] == pytest.approx(low, abs=0.01)
    assert report["ci_high"] == pytest.approx(high, abs=0.01)
    assert {s["step"]: s["reached"] for s in report["steps"]} == {
        "visit": 1,
        "order": 7,
        "delivered": 6,
    }
    deviations = {
        (d["kind"], d.get("step") or d.get("activity"), d.get("before")): d
        for d in report["deviations"]
    }
    assert {k: d["cases"] for k, d in deviations.items()} == {
        ("time_limit", "delivered", None): 2,  # B and G
        ("missing_step", "delivered", None): 1,  # C
        ("wrong_order", "delivered", "order"): 1,  # D
        ("unexpected_activity", "call", None): 1,  # E
    }
    late = deviations[("time_limit", "delivered", None)]
    # excess 24 h (B) and 4 h (G): median 14 h, 90th percentile 4 + 0.9 × 20 = 22 h
    assert late["median_excess_hours"] == 14 and late["p90_excess_hours"] == 22
    assert late["share"] == pytest.approx(100 * 2 / 7, abs=0.01)
    assert report["deviations"][0]["kind"] == "time_limit"  # ranked by cases
    # the deviating leave after "delivered" (B, D, E, G) or "order" (C)
    assert [(e["step"], e["cases"]) for e in report["exits"]] == [("delivered", 4), ("order", 1)]
    assert report["exits"][0]["share"] == 80.0


@pytest.fixture
def target(db):
    from cxpilot.journeys.services import target_load

    return target_load(actor=None, text=TARGET_YAML)[0]


def _response(customer: str, when: dt.datetime, score: int, metric: str = "nps") -> dict:
    return {
        "response_id": f"R{customer}{when:%m%d%H}{score}{metric}",
        "customer_id": customer,
        "touchpoint": "website",
        "timestamp": when,
        "metric": metric,
        "score": score,
        "source": "shop",
    }


def _purchase(customer: str, when: dt.datetime) -> dict:
    return {
        "transaction_id": f"T{customer}{when:%Y%m%d%H}",
        "customer_id": customer,
        "timestamp": when,
        "amount": 50.0,
        "source": "shop",
    }


def _responses() -> list[dict]:
    day = dt.timedelta(days=1)
    return [
        _response("A", _end("A") + 2 * day, 10),  # promoter
        _response("A", T0 - 30 * day, 0),  # before the case: left out
        _response("A", _end("A") + day, 2, "ces"),  # not NPS
        _response("F", _end("F") + 10 * day, 7),  # passive
        _response("F", _end("F") + 40 * day, 0),  # more than 30 days after: left out
        _response("B", _end("B") + day, 3),
        _response("B", _end("B") + 5 * day, 9),  # B's latest: promoter
        _response("C", _end("C") + 3 * day, 2),  # detractor
        _response("E", _end("E") + day, 6),  # detractor
        _response("G", _end("G") + day, 8),  # passive
    ]


def _purchases() -> list[dict]:
    purchases = [_purchase(c, at(path[0][1])) for c, path in PATHS.items()]  # the orders
    return [
        *purchases,
        _purchase("A", dt.datetime(2026, 2, 15)),  # within 90 days: repeat
        _purchase("F", dt.datetime(2026, 6, 1)),  # after 90 days: no repeat, no churn
        _purchase("B", dt.datetime(2026, 2, 1)),
        _purchase("E", dt.datetime(2026, 3, 1)),
        _purchase("Z", dt.datetime(2026, 12, 31)),  # the data's end
    ]


@pytest.fixture
def warehouse_log(org, target):
    from cxpilot.warehouse.ingest import load_arrow

    load_arrow(table="interactions", data=pa.Table.from_pylist(_events()))
    load_arrow(table="responses", data=pa.Table.from_pylist(_responses()))
    load_arrow(table="transactions", data=pa.Table.from_pylist(_purchases()))


def _check_outcomes(report: dict) -> None:
    outcomes = {o["outcome"]: o for o in report["outcomes"]}
    nps = outcomes["nps"]
    # conforming A 10, F 7: NPS (1 − 0)/2 = 50; deviating B 9, C 2, E 6, G 8: (1 − 2)/4 = −25
    assert (nps["conforming_n"], nps["conforming_value"]) == (2, 50.0)
    assert (nps["deviating_n"], nps["deviating_value"]) == (4, -25.0)
    assert nps["difference"] == 75.0
    assert nps["difference_ci_low"] < 75 < nps["difference_ci_high"]
    assert "fewer than 30" in nps["note"]
    repeat = outcomes["repeat_purchase"]
    # conforming: A yes, F no (1/2); deviating: B, E yes, C, D, G no (2/5)
    assert (repeat["conforming_n"], repeat["conforming_value"]) == (2, 50.0)
    assert (repeat["deviating_n"], repeat["deviating_value"]) == (5, 40.0)
    expected = proportion_difference(1, 2, 2, 5)
    assert repeat["difference"] == 10.0
    assert repeat["difference_ci_low"] == pytest.approx(expected.ci_low, abs=0.01)
    churn = outcomes["churn"]
    # no purchase after the case: C, D, G (3/5) against none of A, F
    assert (churn["conforming_value"], churn["deviating_value"]) == (0.0, 60.0)
    assert churn["difference"] == -60.0


@pytest.mark.warehouse
def test_conformance_in_the_warehouse_with_outcomes(warehouse_log, target):
    from cxpilot.journeys import selectors

    definition = selectors.target_definition(target)
    report = selectors.target_conformance(actor=None, definition=definition).as_dict()
    _check_conformance(report)
    _check_outcomes(report)


@pytest.mark.warehouse
def test_cases_with_and_allow_other(warehouse_log):
    from cxpilot.journeys.selectors import target_conformance

    data = from_yaml(TARGET_YAML).as_dict()
    scoped = parse({**data, "cases_with": ["visit", "call"], "allow_other": True})
    report = target_conformance(actor=None, definition=scoped, outcomes=False)
    # A (visit) and E (call) are held against it; with other activities allowed, both conform
    assert (report.cases, report.cases_left_out, report.conforming) == (2, 5, 2)
    assert report.outcomes is None


def test_conformance_command_on_a_file(tmp_path):
    events = tmp_path / "events.csv"
    rows = ["event_id,customer_id,touchpoint,timestamp,type"]
    rows += [
        f"{e['event_id']},{e['customer_id']},{e['touchpoint']},{e['timestamp']:%Y-%m-%dT%H:%M:%S},{e['type']}"
        for e in _events()
    ]
    events.write_text("\n".join(rows) + "\n")
    target_file = tmp_path / "target.yaml"
    target_file.write_text(TARGET_YAML)
    result = runner.invoke(
        app,
        [
            "journeys",
            "conformance",
            "--target",
            str(target_file),
            "--file",
            str(events),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    _check_conformance(report)
    assert report["case"] == "record" and report["outcomes"] is None
    assert any("conformance only" in n for n in report["notes"])


def test_targets_commands(org, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TARGET_YAML)
    result = runner.invoke(app, ["journeys", "targets", "load", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "key": "order_online",
        "name": "Order online",
        "created": True,
    }
    again = runner.invoke(app, ["journeys", "targets", "load", str(path), "--format", "json"])
    assert json.loads(again.stdout)["created"] is False
    listed = json.loads(
        runner.invoke(app, ["journeys", "targets", "list", "--format", "json"]).stdout
    )
    assert [(t["key"], t["steps"]) for t in listed] == [("order_online", 3)]
    shown = runner.invoke(app, ["journeys", "targets", "show", "order_online", "--format", "json"])
    assert json.loads(shown.stdout) == from_yaml(TARGET_YAML).as_dict()
    exported = runner.invoke(app, ["journeys", "targets", "export", "order_online"])
    assert from_yaml(exported.stdout) == from_yaml(TARGET_YAML)
    missing = runner.invoke(app, ["journeys", "targets", "show", "nope"])
    assert missing.exit_code == 2 and "no target journey 'nope'" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(TARGET_YAML.replace("within_hours: 96", "within_hours: -1"))
    refused = runner.invoke(app, ["journeys", "targets", "load", str(bad)])
    assert refused.exit_code == 2 and "steps[3] (delivered).within_hours" in refused.output
    unknown_journey = tmp_path / "j.yaml"
    unknown_journey.write_text(TARGET_YAML + "journey: nowhere\n")
    refused = runner.invoke(app, ["journeys", "targets", "load", str(unknown_journey)])
    assert refused.exit_code == 2 and "no journey 'nowhere'" in refused.output


@pytest.mark.slow
def test_demo_target_sees_the_delivery_incident(db):
    """The demo's online orders conform less once the website's deliveries go wrong
    (2026-03-01, docs/demo-data.md), and those that deviate answer a far lower NPS."""
    from cxpilot.demo.services import demo_generate
    from cxpilot.journeys import selectors

    demo_generate(customers=2000, seed=42)
    definition = selectors.target_definition(
        selectors.target_get(actor=None, key="commande_en_ligne")
    )
    before = selectors.target_conformance(
        actor=None, definition=definition, end=dt.date(2026, 2, 28)
    )
    after = selectors.target_conformance(
        actor=None, definition=definition, start=dt.date(2026, 3, 1)
    )
    assert before.cases > 1000 and after.cases > 500
    assert before.ci_low > after.ci_high  # measured: 91.9% (90.7–92.9) against 74.1% (71.6–76.5)
    top = after.deviations[0]
    assert (top["kind"], top["step"]) == ("time_limit", "livraison")
    nps = next(o for o in after.outcomes if o["outcome"] == "nps")
    assert nps["difference_ci_low"] > 20  # measured: +56 (43 to 69)


# --------------------------------------------------------------------------- pages


def _form_post(**overrides) -> dict:
    """The target form as a browser posts it: TARGET_YAML's target, with two blank rows."""
    data = {
        "key": "order_online",
        "name": "Order online",
        "description": "",
        "journey": "",
        "case": "person",
        "activity": "type",
        "cases_with": "",
        "steps-TOTAL_FORMS": "5",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "40",
        "steps-0-key": "visit",
        "steps-0-name": "Visit",
        "steps-0-other": "visit",
        "steps-1-key": "order",
        "steps-1-name": "Order",
        "steps-1-other": "order",
        "steps-1-required": "on",
        "steps-2-key": "delivered",
        "steps-2-name": "Delivered or picked up",
        "steps-2-other": "delivery, pickup",
        "steps-2-required": "on",
        "steps-2-within_hours": "96",
    }
    data.update(overrides)
    return data


def test_pages_create_show_edit_download_delete(warehouse_log, lead):
    from cxpilot.journeys.models import TargetJourney

    TargetJourney.objects.all().delete()
    assert lead.get("/journeys/targets/new/").status_code == 200
    response = lead.post("/journeys/targets/new/", _form_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    target = TargetJourney.objects.get(key="order_online")
    assert parse(target.definition) == from_yaml(TARGET_YAML)
    page = lead.get("/journeys/targets/order_online/")
    html = page.content.decode()
    assert page.status_code == 200
    # the report, in tables: 2 of 7 conform; the deviations and outcomes are shown
    assert "28.6 % of the cases follow the target (2 of 7" in html
    assert 'data-kind="time_limit"' in html and "Unexpected activity: call" in html
    assert 'data-outcome="nps"' in html and "75.0" in html
    assert 'id="chart-deviations"' in html
    download = lead.get("/journeys/targets/order_online/yaml/")
    assert download["Content-Disposition"] == 'attachment; filename="order_online.yaml"'
    assert from_yaml(download.content) == from_yaml(TARGET_YAML)
    edit = lead.get("/journeys/targets/order_online/edit/").content.decode()
    assert 'value="delivery, pickup"' in edit and 'value="96.0"' in edit
    changed = lead.post(
        "/journeys/targets/order_online/edit/",
        _form_post(**{"steps-2-within_hours": "200", "steps-INITIAL_FORMS": "3"}),
    )
    assert changed.status_code == 302
    assert parse(TargetJourney.objects.get().definition).steps[2].within_hours == 200
    assert lead.get("/journeys/targets/order_online/delete/").status_code == 200
    assert lead.post("/journeys/targets/order_online/delete/").status_code == 302
    assert not TargetJourney.objects.exists()


def test_form_errors_land_on_the_step_and_nothing_is_saved(org, lead):
    from cxpilot.journeys.models import TargetJourney

    response = lead.post(
        "/journeys/targets/new/",
        _form_post(**{"steps-2-within_hours": "-5", "steps-1-after": "nowhere"}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "must be more than 0 hours" in html
        and "&#x27;nowhere&#x27; is not the key of a step" in html
    )
    formset = response.context["formset"]
    assert "within_hours" in formset.forms[2].errors and "after" in formset.forms[1].errors
    assert not TargetJourney.objects.exists()


def test_viewer_sees_but_cannot_change(target, viewer, client_as):
    assert viewer.get("/journeys/targets/").status_code == 200
    assert viewer.get("/journeys/targets/order_online/").status_code == 200
    assert viewer.get("/journeys/targets/order_online/yaml/").status_code == 200
    html = viewer.get("/journeys/targets/").content.decode()
    assert "/journeys/targets/new/" not in html and "/delete/" not in html
    for path in ("new/", "import/", "order_online/edit/", "order_online/delete/"):
        assert viewer.get(f"/journeys/targets/{path}").status_code == 403
        assert viewer.post(f"/journeys/targets/{path}", {}).status_code == 403
    from cxpilot.journeys.models import TargetJourney

    assert TargetJourney.objects.filter(key="order_online").exists()
    # an analyst may see it too; someone without a role may not
    assert client_as("analyst", username="ann").get("/journeys/targets/").status_code == 200
    assert client_as(None, username="nobody").get("/journeys/targets/").status_code == 403


def test_delete_needs_the_csrf_token(target, make_user):
    from django.test import Client

    from cxpilot.journeys.models import TargetJourney

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("cx_lead"))
    assert client.post("/journeys/targets/order_online/delete/").status_code == 403
    assert TargetJourney.objects.filter(key="order_online").exists()


def test_import_yaml_page(org, lead):
    from cxpilot.journeys.models import TargetJourney

    response = lead.post("/journeys/targets/import/", {"text": TARGET_YAML})
    assert response.status_code == 302
    again = lead.post("/journeys/targets/import/", {"text": TARGET_YAML})
    assert again.status_code == 400 and "exists already" in again.content.decode()
    replaced = lead.post(
        "/journeys/targets/import/",
        {"text": TARGET_YAML.replace("Order online", "Ordered"), "replace": "on"},
    )
    assert replaced.status_code == 302 and TargetJourney.objects.get().name == "Ordered"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("t.yaml", b"key: [unclosed")
    refused = lead.post("/journeys/targets/import/", {"upload": bad})
    assert refused.status_code == 400 and "not valid YAML" in refused.content.decode()
    assert TargetJourney.objects.get().name == "Ordered"


def test_names_are_escaped(warehouse_log, target, lead):
    from cxpilot.journeys.services import target_save

    data = from_yaml(TARGET_YAML).as_dict()
    data["name"] = HOSTILE
    data["description"] = HOSTILE
    data["steps"][2]["name"] = HOSTILE
    data["steps"][1]["activities"] = ["order", HOSTILE[:40]]
    target_save(actor=None, definition=parse(data), target=target)
    for path in (
        "/journeys/targets/",
        "/journeys/targets/order_online/",
        "/journeys/targets/order_online/edit/",
    ):
        html = lead.get(path).content.decode()
        assert HOSTILE not in html and HOSTILE_ESCAPED in html, path


def test_journey_cases_from_a_file(tmp_path):
    """One case per journey id (a column of the file): the same customer's two orders are two
    cases; the store purchase, without an order, is left out by cases_with."""
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,customer_id,touchpoint,timestamp,type,journey_id\n"
        "e1,c1,website,2026-01-05T09:00:00,order,J1\n"
        "e2,c1,delivery,2026-01-07T09:00:00,delivery,J1\n"
        "e3,c1,website,2026-02-05T09:00:00,order,J2\n"
        "e4,c1,store,2026-02-06T09:00:00,purchase,J3\n"
        "e5,c1,website,2026-02-07T09:00:00,visit,\n"
    )
    target_file = tmp_path / "target.yaml"
    target_file.write_text(
        TARGET_YAML.replace("case: person", "case: journey") + "cases_with: [order]\n"
    )
    result = runner.invoke(
        app,
        ["journeys", "conformance", "--target", str(target_file), "--file", str(events)]
        + ["--format", "json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["case"], report["cases"], report["cases_left_out"]) == ("journey", 2, 1)
    assert report["conforming"] == 1  # J1; J2 has no delivery
    assert [(d["kind"], d["step"], d["cases"]) for d in report["deviations"]] == [
        ("missing_step", "delivered", 1)
    ]


def test_the_organisation_journey_follows_renames_and_deletions(org):
    from cxpilot.journeys import selectors
    from cxpilot.journeys.services import target_load
    from cxpilot.organisation.models import Journey

    target, _ = target_load(actor=None, text=TARGET_YAML + "journey: purchase\n")
    assert target.journey.key == "purchase"
    Journey.objects.filter(key="purchase").update(key="buying")
    target.refresh_from_db()
    assert selectors.target_definition(target).journey == "buying"
    Journey.objects.all().delete()
    target.refresh_from_db()
    assert selectors.target_definition(target).journey is None


def _csv(path, rows: list[dict]) -> str:
    import csv

    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}
            )
    return str(path)


def test_outcomes_from_files(tmp_path):
    """The same log, answers and purchases as files: the same report, outcomes included."""
    target_file = tmp_path / "target.yaml"
    target_file.write_text(TARGET_YAML)
    base = ["journeys", "conformance", "--target", str(target_file), "--format", "json"]
    events = _csv(tmp_path / "events.csv", _events())
    answers = _csv(tmp_path / "answers.csv", _responses())
    purchases = _csv(tmp_path / "purchases.csv", _purchases())
    result = runner.invoke(
        app, [*base, "--file", events, "--responses", answers, "--transactions", purchases]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    _check_conformance(report)
    _check_outcomes(report)
    only_nps = json.loads(
        runner.invoke(app, [*base, "--file", events, "--responses", answers]).stdout
    )
    assert [o["outcome"] for o in only_nps["outcomes"]] == ["nps"]
    assert any("--transactions" in n for n in only_nps["notes"])
    refused = runner.invoke(app, [*base, "--responses", answers])
    assert refused.exit_code == 2 and "--responses" in refused.output
