"""Profitability: margin minus the cost to serve, per customer, segment and touchpoint,
checked on a small case worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.value.profitability import (
    Rule,
    loss_share,
    profit_histogram,
    profitability,
    rule_cost,
)
from cxpilot.warehouse.ingest import load_arrow

pytestmark = pytest.mark.warehouse

runner = CliRunner()

#: The rules of the hand-checked case: every tier, and a channel rule (web) a file cost beats.
RULES = [
    ("call", "phone", "8"),
    ("call", "", "5"),
    ("", "phone", "3"),
    ("delivery", "", "4"),
    ("return", "", "6"),
    ("", "", "1"),
    ("", "web", "1"),
]


@pytest.mark.pure
def test_the_most_specific_rule_wins() -> None:
    rules = [Rule(t, c, float(v)) for t, c, v in RULES]
    assert rule_cost(rules, type="call", channel="phone") == 8
    assert rule_cost(rules, type="call", channel="chat") == 5
    assert rule_cost(rules, type="email", channel="phone") == 3
    assert rule_cost(rules, type="other", channel="store") == 1
    assert rule_cost(rules, type=None, channel="web") == 1
    assert rule_cost(rules[:2], type="visit", channel="web") is None


@pytest.mark.pure
def test_the_histogram_puts_an_edge_at_zero_and_counts_everyone() -> None:
    profits = np.concatenate([np.linspace(-40, 100, 301), [-1e6, 1e6]])
    bars = profit_histogram(profits, bins=10)
    assert sum(b["customers"] for b in bars) == profits.size
    assert any(b["high"] == 0 for b in bars)
    assert all(b["loss"] == (b["high"] <= 0) for b in bars)
    assert bars[-1]["open_high"] and bars[0]["open_low"]
    assert not any(b["open_high"] or b["open_low"] for b in bars[1:-1])
    assert sum(b["customers"] for b in bars if b["loss"]) == int((profits < 0).sum())
    assert [b["high"] - b["low"] for b in bars] == [20.0] * len(bars)  # 140 / 10 → 20
    assert profit_histogram([]) == []


@pytest.mark.pure
def test_the_loss_share_has_a_wilson_interval() -> None:
    # 2 of 3: Wilson 95 % interval 20.77 %–93.85 % (p = 2/3, z = 1.96, by hand)
    found = loss_share(2, 3)
    assert found["share"] == pytest.approx(66.667, abs=1e-3)
    assert found["ci_low"] == pytest.approx(20.77, abs=0.01)
    assert found["ci_high"] == pytest.approx(93.85, abs=0.01)
    assert loss_share(0, 0)["share"] is None


def _tx(tid, cid, day, amount, margin=None):
    return {
        "transaction_id": tid,
        "customer_id": cid,
        "timestamp": dt.datetime.fromisoformat(day),
        "amount": amount,
        "margin": margin,
        "source": "shop",
    }


def _ix(eid, cid, day, tp, kind, channel, cost=None):
    return {
        "event_id": eid,
        "customer_id": cid,
        "touchpoint": tp,
        "timestamp": dt.datetime.fromisoformat(day),
        "source": "shop",
        "type": kind,
        "channel": channel,
        "cost": cost,
    }


@pytest.fixture
def case(db):
    """Three customers and a non-buyer in Q1 2026, worked out by hand (default margin 30 %):

    | | transactions (margin) | margin | interactions: cost | cost | profit |
    | A families | 100 (40), 50 (—: 15), −20 (—: −6) | 49 | call/phone 8 (rule), delivery 4 (type), visit/web 0.5 (file, not the web rule) | 12.5 | 36.5 |
    | B families | 60 (10) | 10 | call/phone 2 (file), call/chat 5 (type), email/phone 3 (channel), other/store 1 (any) | 11 | −1 |
    | C singles | 200 (—: 60), −200 (−60) | 0 | delivery 4, return 6 | 10 | −10 |
    | D | — | | visit/web 1 (channel) | 1 | non-buyer |

    and, before the period, A bought 1000 (500) and called at a cost of 100."""
    from cxpilot.value.models import CostRule

    for t, c, v in RULES:
        CostRule.objects.create(type=t, channel=c, cost=Decimal(v))
    customers = [
        {"customer_id": cid, "source": "shop", "segment": seg}
        for cid, seg in (("A", "families"), ("B", "families"), ("C", "singles"), ("D", None))
    ]
    load_arrow(table="customers", data=pa.Table.from_pylist(customers))
    load_arrow(
        table="transactions",
        data=pa.Table.from_pylist(
            [
                _tx("t1", "A", "2026-01-05T10:00", 100.0, 40.0),
                _tx("t2", "A", "2026-02-05T10:00", 50.0),
                _tx("t3", "A", "2026-02-20T10:00", -20.0),
                _tx("t4", "B", "2026-01-15T10:00", 60.0, 10.0),
                _tx("t5", "C", "2026-03-01T10:00", 200.0),
                _tx("t6", "C", "2026-03-10T10:00", -200.0, -60.0),
                _tx("t0", "A", "2025-12-31T10:00", 1000.0, 500.0),
            ]
        ),
    )
    load_arrow(
        table="interactions",
        data=pa.Table.from_pylist(
            [
                _ix("e1", "A", "2026-01-06T10:00", "call_centre", "call", "phone"),
                _ix("e2", "A", "2026-01-07T10:00", "delivery", "delivery", "partner"),
                _ix("e3", "A", "2026-01-04T10:00", "website", "visit", "web", 0.5),
                _ix("e4", "B", "2026-01-16T10:00", "call_centre", "call", "phone", 2.0),
                _ix("e5", "B", "2026-01-17T10:00", "call_centre", "call", "chat"),
                _ix("e6", "B", "2026-01-18T10:00", "email", "email", "phone"),
                _ix("e7", "B", "2026-01-19T10:00", "store", "other", "store"),
                _ix("e8", "C", "2026-03-02T10:00", "delivery", "delivery", "partner"),
                _ix("e9", "C", "2026-03-09T10:00", "store", "return", "partner"),
                _ix("f1", "D", "2026-02-01T10:00", "website", "visit", "web"),
                _ix("f0", "A", "2025-12-31T11:00", "call_centre", "call", "phone", 100.0),
            ]
        ),
    )


Q1 = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 3, 31)}
ALL = ("customer", "histogram", "segment", "touchpoint", "why")


def _short(person: str) -> str:
    assert person.startswith("shop:")
    return person.removeprefix("shop:")


def test_the_hand_checked_case(case) -> None:
    found = profitability(actor=None, views=ALL, **Q1)
    t = found.totals
    assert (t["customers"], t["loss_makers"], t["non_buyers"]) == (3, 2, 1)
    assert (t["revenue"], t["margin"], t["cost"], t["profit"]) == (190, 59, 33.5, 25.5)
    assert (t["loss"], t["non_buyer_cost"], t["uncosted"]) == (-11, 1, 0)
    assert t["loss_share"]["share"] == pytest.approx(66.667, abs=1e-3)
    assert t["loss_mean_margin"] == 5 and t["loss_mean_cost"] == 10.5
    assert t["other_mean_margin"] == 49 and t["other_mean_cost"] == 12.5
    by = {_short(c["person"]): c for c in found.customers}
    assert {
        k: (c["revenue"], c["margin"], c["cost"], c["profit"], c["loss"]) for k, c in by.items()
    } == {
        "A": (130, 49, 12.5, 36.5, False),
        "B": (60, 10, 11, -1, True),
        "C": (0, 0, 10, -10, True),
    }
    assert [_short(c["person"]) for c in found.customers] == ["C", "B", "A"]  # worst first
    seg = {s["segment"]: s for s in found.segments}
    assert (seg["families"]["customers"], seg["families"]["profit"]) == (2, 35.5)
    assert (seg["families"]["cost"], seg["families"]["loss_makers"]) == (23.5, 1)
    assert (seg["singles"]["profit"], seg["singles"]["loss_share"]) == (-10, 100.0)
    tps = {r["touchpoint"]: r for r in found.touchpoints}
    assert {
        k: (r["cost"], r["interactions"], r["customers"], r["loss_makers"]) for k, r in tps.items()
    } == {
        "call_centre": (15, 3, 2, 1),
        "delivery": (8, 2, 2, 1),
        "store": (7, 2, 2, 2),
        "email": (3, 1, 1, 1),
        "website": (0.5, 1, 1, 0),  # D's visit is not a customer's
    }
    assert [r["touchpoint"] for r in found.touchpoints][0] == "call_centre"
    why = {r["type"]: r for r in found.why_types}
    assert [r["type"] for r in found.why_types] == [
        "return", "email", "other", "visit", "delivery", "call"
    ]  # fmt: skip
    assert (why["return"]["loss_cost_per_customer"], why["return"]["other_cost_per_customer"]) == (
        3,
        0,
    )
    assert (why["call"]["loss_cost_per_customer"], why["call"]["other_cost_per_customer"]) == (
        3.5,
        8,
    )
    assert why["call"]["gap"] == -4.5
    assert why["return"]["loss_share_of_cost"] == pytest.approx(100 * 6 / 21, abs=0.01)
    assert {r["touchpoint"] for r in found.why_touchpoints} == set(tps)


def test_the_period_and_the_segment_filter(case) -> None:
    everything = profitability(actor=None, views=("customer",))
    a = next(c for c in everything.customers if _short(c["person"]) == "A")
    assert (a["revenue"], a["margin"], a["cost"], a["profit"]) == (1130, 549, 112.5, 436.5)
    singles = profitability(actor=None, segment="singles", views=ALL, **Q1)
    assert singles.totals["customers"] == 1 and singles.totals["profit"] == -10
    assert {r["touchpoint"] for r in singles.touchpoints} == {"delivery", "store"}
    with pytest.raises(ValidationError) as err:
        profitability(actor=None, start=dt.date(2026, 3, 1), end=dt.date(2026, 1, 1))
    assert err.value.where == "--to"


def test_the_margin_rate_setting(case, settings) -> None:
    settings.CXPILOT_DEFAULT_MARGIN_RATE = 0.5
    found = profitability(actor=None, views=("customer",), **Q1)
    by = {_short(c["person"]): c for c in found.customers}
    assert by["A"]["margin"] == 40 + 25 - 10
    assert by["C"]["margin"] == 100 - 60


def test_a_viewer_may_not_read_it(case, make_user) -> None:
    with pytest.raises(PermissionDenied):
        profitability(actor=make_user("viewer"))


# --------------------------------------------------------------------------- the CLI


def test_the_cli_prints_each_view(case) -> None:
    q = ["--from", "2026-01-01", "--to", "2026-03-31"]
    out = runner.invoke(
        app, ["value", "profitability", "--by", "touchpoint", *q, "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["totals"]["profit"] == 25.5 and data["by"] == "touchpoint"
    assert data["rows"][0]["touchpoint"] == "call_centre"
    out = runner.invoke(app, ["value", "profitability", "--by", "customer", *q, "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].startswith("person,segment") and lines[1].startswith("shop:C,singles")
    out = runner.invoke(app, ["value", "profitability", *q])
    assert out.exit_code == 0 and "families" in out.stdout


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--by", "product"], "--by"),
        (["--from", "2026-13-01"], "--from"),
        (["--from", "2026-03-01", "--to", "2026-01-01"], "--to"),
        (["--segment", "'; DROP TABLE customers; --"], "--segment"),
    ],
)
def test_the_cli_refuses_bad_options(case, args, where) -> None:
    out = runner.invoke(app, ["value", "profitability", *args])
    assert out.exit_code == 2
    assert where in out.output and "Traceback" not in out.output


def test_the_cli_sets_lists_and_deletes_cost_rules(db) -> None:
    from cxpilot.value.models import CostRule

    out = runner.invoke(app, ["value", "costs", "set", "--type", "call", "--cost", "6.5"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(
        app, ["value", "costs", "set", "--type", "call", "--cost", "7", "--note", "2026 invoice"]
    )
    assert out.exit_code == 0, out.output
    rule = CostRule.objects.get()
    assert (rule.type, rule.channel, rule.cost, rule.note) == (
        "call",
        "",
        Decimal("7.00"),
        "2026 invoice",
    )
    out = runner.invoke(app, ["value", "costs", "list", "--format", "json"])
    assert json.loads(out.stdout) == [
        {"type": "call", "channel": "", "cost": 7.0, "note": "2026 invoice"}
    ]
    for bad, where in (("-1", "cost"), ("nan", "cost"), ("1e30", "cost"), ("cheap", "cost")):
        out = runner.invoke(app, ["value", "costs", "set", "--type", "x", "--cost", bad])
        assert out.exit_code == 2 and where in out.output, (bad, out.output)
    out = runner.invoke(app, ["value", "costs", "set", "--type", "a\x1bb", "--cost", "1"])
    assert out.exit_code == 2 and "type" in out.output
    out = runner.invoke(app, ["value", "costs", "delete", "--type", "visit"])
    assert out.exit_code == 2 and "no cost rule" in out.output
    assert CostRule.objects.count() == 1  # nothing bad was stored
    out = runner.invoke(app, ["value", "costs", "delete", "--type", "call"])
    assert out.exit_code == 0 and not CostRule.objects.exists()


@pytest.mark.pure
@pytest.mark.parametrize("bad", ["-0.01", "Infinity", "", "1" * 40, True])
def test_a_bad_cost_is_refused(bad) -> None:
    from cxpilot.value.costing import cost_checked

    with pytest.raises(ValidationError) as err:
        cost_checked(bad)
    assert err.value.where == "cost"


# --------------------------------------------------------------------------- the pages


def test_the_page_shows_the_views(case, lead) -> None:
    response = lead.get("/value/profitability/", {"from": "2026-01-01", "to": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "66.7 % of the customers lose money (2 of 3" in page
    for table in ("table-segments", "table-touchpoints", "table-why-types", "table-histogram"):
        assert f'id="{table}"' in page
    assert "spec-histogram" in page and "spec-segments" in page
    assert 'aria-current="page">Profitability' in page
    french = lead.get(
        "/value/profitability/",
        {"from": "2026-01-01", "to": "2026-03-31"},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "des clients perdent de l’argent (2 sur 3" in french


def test_the_page_names_the_segments(case, lead) -> None:
    from cxpilot.organisation.models import Segment

    Segment.objects.create(key="families", name="Families <with children>")
    response = lead.get("/value/profitability/", {"from": "2026-01-01", "to": "2026-03-31"})
    page = response.content.decode()
    table = page[page.index('id="table-segments"') :]
    assert "Families &lt;with children&gt;</th>" in table and ">singles</th>" in table
    chart = json.dumps(response.context["segment_chart"])
    assert '"Families <with children>"' in chart and '"families"' not in chart


def test_the_page_refuses_bad_filters_and_viewers(case, lead, viewer) -> None:
    assert viewer.get("/value/profitability/").status_code == 403
    assert viewer.get("/value/costs/").status_code == 403
    response = lead.get("/value/profitability/", {"from": "2026-03-01", "to": "2026-01-01"})
    assert response.status_code == 400
    assert lead.get("/value/profitability/", {"from": "yesterday"}).status_code == 400
    assert lead.get("/value/profitability/", {"segment": "<script>"}).status_code == 400


def test_an_analyst_sees_the_rules_but_may_not_change_them(case, client_as) -> None:
    from cxpilot.value.models import CostRule

    analyst = client_as("analyst")
    page = analyst.get("/value/costs/").content.decode()
    assert "call" in page and "Add a rule" not in page
    assert analyst.post("/value/costs/", {"type": "x", "cost": "1"}).status_code == 403
    rule = CostRule.objects.get(type="call", channel="phone")
    assert analyst.post(f"/value/costs/{rule.pk}/delete/").status_code == 403
    assert CostRule.objects.filter(pk=rule.pk).exists()


def test_a_lead_edits_the_rules(db, lead, hostile) -> None:
    from cxpilot.value.models import CostRule

    response = lead.post("/value/costs/", {"type": "call", "channel": "phone", "cost": "6.5"})
    assert response.status_code == 302
    rule = CostRule.objects.get()
    response = lead.post(
        f"/value/costs/{rule.pk}/edit/", {"type": "call", "channel": "", "cost": "7", "note": ""}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.channel, rule.cost) == ("", Decimal("7.00"))
    # a hostile string is refused with its field named, or stored and shown escaped
    response = lead.post("/value/costs/", {"type": hostile, "cost": "1", "note": hostile})
    assert response.status_code in (302, 400)
    page = lead.get("/value/costs/").content.decode()
    assert "<script>alert" not in page
    if response.status_code == 400:
        assert CostRule.objects.count() == 1
    for bad in ("-1", "abc", "1e99"):
        response = lead.post("/value/costs/", {"type": "z", "cost": bad})
        assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert not CostRule.objects.filter(type="z").exists()
    response = lead.post(f"/value/costs/{rule.pk}/delete/")
    assert response.status_code == 302 and not CostRule.objects.filter(pk=rule.pk).exists()
    assert lead.get("/value/costs/999/edit/").status_code == 404


def test_an_empty_warehouse_gives_an_empty_page(db, lead) -> None:
    response = lead.get("/value/profitability/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "lose money (" not in page and 'id="totals-heading"' in page
    found = profitability(actor=None, views=ALL)
    assert found.totals["customers"] == 0 and found.totals["loss_share"]["share"] is None
    assert found.histogram == [] and found.segments == [] and found.touchpoints == []


def test_the_data_is_shown_escaped(db, lead) -> None:
    from tests.hostile import HOSTILE, HOSTILE_ESCAPED

    load_arrow(
        table="transactions", data=pa.Table.from_pylist([_tx("t1", "A", "2026-01-05", 10.0, 1.0)])
    )
    load_arrow(
        table="interactions",
        data=pa.Table.from_pylist([_ix("e1", "A", "2026-01-06", "website", HOSTILE, "web", 5.0)]),
    )
    page = lead.get("/value/profitability/").content.decode()
    assert HOSTILE not in page and HOSTILE_ESCAPED in page


def test_a_rule_for_a_type_or_channel_never_seen_is_kept_with_a_warning(case, lead) -> None:
    from cxpilot.value.models import CostRule

    out = runner.invoke(app, ["value", "costs", "set", "--cost", "2", "--channel", "nope"])
    assert out.exit_code == 0, out.output
    assert "note: no interaction in the warehouse has the channel 'nope'" in out.output
    assert CostRule.objects.filter(channel="nope").exists()
    out = runner.invoke(
        app, ["value", "costs", "set", "--cost", "2", "--type", "call", "--channel", "phone"]
    )
    assert out.exit_code == 0 and "note:" not in out.output
    out = runner.invoke(
        app, ["value", "costs", "set", "--cost", "2", "--type", "fax", "--channel", "phone"]
    )
    assert "the type 'fax'" in out.output and "channel" not in out.output.split("note:")[1]
    page = lead.post("/value/costs/", {"type": "visit", "channel": "nowhere", "cost": "1"})
    assert page.status_code == 302
    text = lead.get(page["Location"]).content.decode()
    assert "No interaction in the warehouse has the channel “nowhere”" in text
    assert "the type “visit”" not in text
    seen = lead.post("/value/costs/", {"type": "visit", "channel": "web", "cost": "1"}, follow=True)
    assert "No interaction in the warehouse" not in seen.content.decode()


def test_a_rule_set_before_any_interaction_gives_no_warning(db) -> None:
    out = runner.invoke(app, ["value", "costs", "set", "--cost", "2", "--channel", "phone"])
    assert out.exit_code == 0 and "note:" not in out.output


def test_the_rule_forms_stack_every_field(db, lead) -> None:
    from cxpilot.value.models import CostRule

    rule = CostRule.objects.create(type="call", channel="", cost=Decimal("1"))
    for url in ("/value/costs/", f"/value/costs/{rule.pk}/edit/"):
        text = lead.get(url).content.decode()
        for name in ("type", "channel", "cost", "note"):
            field = text.index(f'name="{name}"')
            assert text.rfind('<div class="field', 0, field) > text.rfind("</form>", 0, field)
        assert text.count('<div class="field') >= 4
