"""Initiatives through the services, the CLI and the warehouse: a hand-built case whose
difference-in-differences is written by hand, bad inputs refused with nothing stored."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.initiatives.models import Initiative
from cxpilot.initiatives.selectors import initiative_effect, initiative_return, settings_get
from cxpilot.initiatives.services import Draft, initiative_save, settings_update
from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()
START = dt.date(2025, 9, 15)


def answers() -> list[dict]:
    """CES on the website (touched) and the call centre (comparison), 12 answers each side
    of the start, spread over three months: website 3/5 before (mean 4), 5/7 after (mean 6);
    call centre 4/6 before (mean 5), 5/6 after (mean 5.5)."""
    rows = []
    plan = {
        ("website", False): (3, 5),
        ("website", True): (5, 7),
        ("call_centre", False): (4, 6),
        ("call_centre", True): (5, 6),
    }
    for (tp, after), scores in plan.items():
        for i in range(12):
            days = 5 + 7 * i
            ts = dt.datetime.combine(START, dt.time(12)) + dt.timedelta(
                days=days if after else -days
            )
            rows.append(
                {
                    "response_id": f"{tp}-{after}-{i}",
                    "customer_id": f"c{tp}{after}{i}",
                    "source": "crm",
                    "touchpoint": tp,
                    "timestamp": ts,
                    "metric": "ces",
                    "score": scores[i % 2],
                    "channel": "web",
                }
            )
    return rows


@pytest.fixture
def hand(org) -> Initiative:
    load_arrow(table="responses", data=pa.Table.from_pylist(answers()))
    return initiative_save(
        actor=None,
        draft=Draft(
            name="Faster checkout",
            touchpoints=["website"],
            metric="ces",
            started_on=START,
            cost_one_off=5000,
            cost_monthly=500,
            customers_reached=1000,
        ),
    )


def test_the_hand_built_case_gives_the_did_written_by_hand(hand) -> None:
    found = initiative_effect(actor=None, initiative=hand)
    assert found.comparison == ["call_centre"]
    assert found.cells is not None
    assert (found.cells.touched_before, found.cells.touched_after) == (4.0, 6.0)
    assert (found.cells.comparison_before, found.cells.comparison_after) == (5.0, 5.5)
    assert found.estimate is not None and found.estimate.method == "did"
    # (6 − 4) − (5.5 − 5)
    assert found.estimate.effect == pytest.approx(1.5)
    assert found.estimate.n == 48
    assert found.trend is not None  # months before the start: the check is there


def test_the_return_follows_the_assumption_and_is_absent_without_it(hand) -> None:
    effect = initiative_effect(actor=None, initiative=hand)
    assumption, found = initiative_return(hand, effect)
    assert found is None and assumption.value_per_point == 0  # no value of a point yet
    settings_update(actor=None, value_ces="10", horizon_months=12)
    assumption, found = initiative_return(hand, effect)
    assert found is not None and assumption.customers == 1000
    assert found.value == pytest.approx(1.5 * 10 * 1000)
    assert found.cost == 5000 + 500 * 12


def test_the_department_is_proposed_from_the_touchpoint(hand) -> None:
    # no RACI in the fixture: the touchpoint's own department
    assert hand.department is not None and hand.department.key == "ecommerce"


def test_cli_add_list_effect_json(hand) -> None:
    added = runner.invoke(
        app,
        [
            "initiatives", "add", "--name", "Call-back", "--touchpoint", "call_centre",
            "--touchpoint", "store", "--metric", "nps", "--start", "2025-10-01",
            "--effort", "S", "--format", "json",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    row = json.loads(added.stdout)
    assert row["touchpoints"] == ["call_centre", "store"] and row["status"] == "started"
    listed = json.loads(runner.invoke(app, ["initiatives", "list", "--format", "json"]).stdout)
    assert {r["name"] for r in listed} == {"Faster checkout", "Call-back"}
    out = runner.invoke(app, ["initiatives", "effect", str(hand.pk), "--format", "json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert list(found)[:6] == ["initiative", "effect", "ci_low", "ci_high", "method", "n"]
    assert found["effect"] == pytest.approx(1.5) and found["method"] == "did"
    assert found["n"] == 48 and found["ci_low"] < 1.5 < found["ci_high"]
    assert set(found["parallel_trends"]) >= {"difference_per_month", "ci_low", "ci_high"}
    csv = runner.invoke(app, ["initiatives", "effect", str(hand.pk), "--format", "csv"])
    assert csv.stdout.splitlines()[0].startswith("initiative,effect,ci_low,ci_high,method,n")


def test_cli_effect_of_an_unknown_initiative(hand) -> None:
    out = runner.invoke(app, ["initiatives", "effect", "999"])
    assert out.exit_code == 2 and "no initiative with id 999" in out.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--touchpoint", "nowhere"], "unknown touchpoint 'nowhere'"),
        (["--touchpoint", "website", "--metric", "nsp"], "unknown KPI 'nsp'"),
        (["--touchpoint", "website", "--start", "2025-10-01", "--done", "2025-09-01"], "before"),
        (["--touchpoint", "website", "--start", "2025-13-01"], "is not a date"),
        (["--touchpoint", "website", "--cost-one-off", "-5"], "an amount from 0"),
        (["--touchpoint", "website", "--cost-one-off", "1e400"], "an amount from 0"),
        (["--touchpoint", "website", "--effort", "XL"], "unknown effort"),
        (["--touchpoint", "website", "--department", "nope"], "unknown department"),
        (["--touchpoint", "website", "--name", "a\x1b[31mb"], "control characters"),
        (["--touchpoint", "website", "--name", "   "], "give a value"),
    ],
)
def test_cli_bad_input_is_refused_and_nothing_stored(org, options, message) -> None:
    base = {"--name": "X", "--metric": "ces"}
    for i in range(0, len(options), 2):
        base.pop(options[i], None)
    args = [a for kv in base.items() for a in kv] + options
    out = runner.invoke(app, ["initiatives", "add", *args])
    assert out.exit_code == 2, out.output
    assert message in out.output
    assert "Traceback" not in out.output
    assert Initiative.objects.count() == 0


def test_a_hostile_name_is_kept_as_text_or_refused_clearly(org, hostile) -> None:
    draft = Draft(name=hostile, touchpoints=["website"], metric="ces")
    try:
        saved = initiative_save(actor=None, draft=draft)
    except ValidationError as exc:
        assert exc.where == "name"
        assert Initiative.objects.count() == 0
    else:
        assert saved.name == hostile.strip()


def test_a_viewer_cannot_create(org, make_user) -> None:
    viewer = make_user("viewer")
    with pytest.raises(PermissionDenied):
        initiative_save(actor=viewer, draft=Draft(name="X", touchpoints=["website"], metric="ces"))
    assert Initiative.objects.count() == 0


def test_settings_refuse_bad_weights(db) -> None:
    with pytest.raises(ValidationError) as caught:
        settings_update(actor=None, weight_stake=-1, window_months=100)
    assert {p.where for p in caught.value.problems} == {"weight_stake", "window_months"}
    assert settings_get().weight_stake == 0.4


def test_without_comparison_the_effect_is_an_interrupted_time_series(org) -> None:
    rows = [r for r in answers() if r["touchpoint"] == "website"]
    load_arrow(table="responses", data=pa.Table.from_pylist(rows))
    saved = initiative_save(
        actor=None,
        draft=Draft(name="Only", touchpoints=["website"], metric="ces", started_on=START),
    )
    found = initiative_effect(actor=None, initiative=saved)
    assert found.comparison == []
    # three months each side (of 30.44 days): the minimum a segmented regression takes
    assert found.estimate is not None and found.estimate.method == "its"
    assert found.estimate.effect > 0


def test_the_backlog_ranks_by_reach_and_marks_quick_wins(hand) -> None:
    from cxpilot.initiatives.selectors import backlog

    initiative_save(
        actor=None,
        draft=Draft(name="Store signs", touchpoints=["store"], metric="nps", effort="L"),
    )
    found = backlog(actor=None)
    # the website has 24 answers in the last year of data, the store none; the checkout
    # (effort M) outranks the signs (effort L): 0.2·1 − 0.2·2/3 against −0.2·1
    assert [r["name"] for r in found.rows] == ["Faster checkout", "Store signs"]
    assert [r["reach"] for r in found.rows] == [24, 0]
    assert found.rows[0]["score"] == pytest.approx(0.2 - 0.2 * 2 / 3, abs=1e-3)
    assert not any(r["quick_win"] for r in found.rows)  # neither is small
    assert found.weights == (0.4, 0.2, 0.2, 0.2)


def test_cli_effect_window_out_of_range(hand) -> None:
    out = runner.invoke(app, ["initiatives", "effect", str(hand.pk), "--window", "1"])
    assert out.exit_code == 2 and "a window of 2 to 36 months" in out.output


def test_cli_effect_of_an_initiative_not_started(org) -> None:
    saved = initiative_save(
        actor=None, draft=Draft(name="Later", touchpoints=["store"], metric="nps")
    )
    out = runner.invoke(app, ["initiatives", "effect", str(saved.pk)])
    assert out.exit_code == 2 and "has not started" in out.output


def test_customers_reached_beyond_what_a_database_stores(org) -> None:
    with pytest.raises(ValidationError, match="whole number"):
        initiative_save(
            actor=None,
            draft=Draft(
                name="X", touchpoints=["store"], metric="nps", customers_reached=3_000_000_000
            ),
        )
    assert Initiative.objects.count() == 0


def test_the_backlog_sums_the_points_at_stake_of_the_themes_addressed(hand, monkeypatch) -> None:
    from cxpilot.initiatives import selectors

    found_irritants = [
        {"theme": "Delivery · late", "impact": 0.78, "mentions": 1162},
        {"theme": "stock", "impact": 0.83, "mentions": 2199},
        {"theme": "prices", "impact": 0.45, "mentions": 1889},
    ]
    monkeypatch.setattr(selectors, "_irritants", lambda: (found_irritants, ""))
    initiative_save(
        actor=None,
        draft=Draft(
            name="Tracking",
            touchpoints=["store"],
            metric="csat",
            themes=["delivery · LATE", "prices", "unknown theme"],
        ),
    )
    found = selectors.backlog(actor=None)
    stake = {r["name"]: r["points_at_stake"] for r in found.rows}
    # matched by label whatever the case: 0.78 + 0.45; no theme, no stake
    assert stake == {"Tracking": 1.23, "Faster checkout": None}
    # the irritant no initiative addresses is the candidate left
    assert [r["theme"] for r in found.open_irritants] == ["stock"]
