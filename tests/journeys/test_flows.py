"""The directly-follows graph, the variants, the funnel and the paths to an outcome on small
logs whose answers are worked out by hand; and the commands on files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.journeys.flows import dfg, funnel, parse_stages, paths_to, variants
from cxpilot.journeys.log import LogFilters, event_log
from cxpilot.kernel.errors import ValidationError

pytestmark = pytest.mark.warehouse

runner = CliRunner()
DAY = dt.datetime(2025, 1, 1)

#: The hand-built log: (event id, case, touchpoint, minutes after DAY). Case D has a tie at
#: minute 0 (d1 order before d2 visit, by event id); C and E have a single event; E comes
#: months later (the last event of the log); F meets delivery before any visit.
EVENTS = [
    ("a1", "A", "visit", 0),
    ("a2", "A", "order", 10),
    ("a3", "A", "delivery", 70),
    ("b1", "B", "order", 0),
    ("b2", "B", "visit", 5),
    ("b3", "B", "order", 20),
    ("c1", "C", "visit", 0),
    ("d2", "D", "visit", 0),
    ("d1", "D", "order", 0),
    ("d3", "D", "call_centre", 30),
    ("e1", "E", "visit", 243 * 24 * 60),  # 2025-09-01
    ("f1", "F", "delivery", 24 * 60),  # 2025-01-02
    ("f2", "F", "visit", 24 * 60 + 10),
]
CHANNEL = {"call_centre": "phone"}

#: The stages of the funnel: "empty" has no touchpoint.
STAGES = [
    ("discover", "Discover", ["visit"]),
    ("buy", "Buy", ["order"]),
    ("empty", "Empty", []),
    ("support", "Support", ["delivery", "call_centre"]),
]


def rows(events: list[tuple[str, str, str, int]] = EVENTS) -> list[dict[str, Any]]:
    return [
        {
            "event_id": eid,
            "customer_id": case,
            "touchpoint": tp,
            "timestamp": DAY + dt.timedelta(minutes=minutes),
            "source": "file",
            "channel": CHANNEL.get(tp, "web"),
            "type": tp.upper(),
            "attributes": json.dumps({"journey_id": f"J-{case}"}),
        }
        for eid, case, tp, minutes in events
    ]


def hand_log(events: list[tuple[str, str, str, int]] = EVENTS, **kwargs: Any) -> Any:
    table = pa.Table.from_pylist(rows(events))
    if not events:
        table = pa.Table.from_pylist(rows(EVENTS[:1])).slice(0, 0)
    return event_log(ibis.memtable(table), case="record", in_warehouse=False, **kwargs)


@pytest.mark.pure
def test_dfg_by_hand():
    found = dfg(hand_log())
    # A: visit→order 600 s, order→delivery 3600 s; B: order→visit 300, visit→order 900;
    # D (tie broken by event id: d1 order, d2 visit): order→visit 0, visit→call_centre 1800;
    # F: delivery→visit 600. Quantiles interpolate: p90 of (0, 300) = 270.
    assert found.edges == [
        {"source": "order", "target": "visit", "count": 2, "median_seconds": 150.0, "p90_seconds": 270.0},
        {"source": "visit", "target": "order", "count": 2, "median_seconds": 750.0, "p90_seconds": 870.0},
        {"source": "delivery", "target": "visit", "count": 1, "median_seconds": 600.0, "p90_seconds": 600.0},
        {"source": "order", "target": "delivery", "count": 1, "median_seconds": 3600.0, "p90_seconds": 3600.0},
        {"source": "visit", "target": "call_centre", "count": 1, "median_seconds": 1800.0, "p90_seconds": 1800.0},
    ]  # fmt: skip
    assert found.starts == {"visit": 3, "order": 2, "delivery": 1}
    assert list(found.starts) == ["visit", "order", "delivery"]
    assert found.ends == {"visit": 3, "call_centre": 1, "delivery": 1, "order": 1}
    assert (found.cases, found.events) == (6, 13)


@pytest.mark.pure
def test_ties_are_broken_by_event_id():
    # the same two events with their ids swapped: D becomes visit, order
    swapped = [
        (("d1" if e == "d2" else "d2" if e == "d1" else e), c, t, m) for e, c, t, m in EVENTS
    ]
    edges = {(e["source"], e["target"]): e["count"] for e in dfg(hand_log(swapped)).edges}
    assert edges[("visit", "order")] == 3 and edges[("order", "visit")] == 1
    assert ("order", "call_centre") in edges


@pytest.mark.pure
def test_variants_by_hand():
    found = variants(hand_log())
    assert [(v["path"], v["count"], v["share"]) for v in found] == [
        (["visit"], 2, 0.333333),  # C and E: single-event cases
        (["delivery", "visit"], 1, 0.166667),
        (["order", "visit", "call_centre"], 1, 0.166667),
        (["order", "visit", "order"], 1, 0.166667),
        (["visit", "order", "delivery"], 1, 0.166667),
    ]
    assert [v["path"] for v in variants(hand_log(), top=2)] == [["visit"], ["delivery", "visit"]]


@pytest.mark.pure
def test_filters_period_channel_touchpoint_and_activity():
    january_first = hand_log(filters=LogFilters(end=dt.date(2025, 1, 1)))  # no E, no F
    assert dfg(january_first).cases == 4
    assert variants(january_first)[0]["count"] == 1
    web = hand_log(filters=LogFilters(channel="web"))  # call_centre is by phone
    assert "call_centre" not in dfg(web).ends
    assert dfg(web).ends["visit"] == 4  # C, D (now ending at its visit), E, F
    visits = hand_log(filters=LogFilters(touchpoint="visit"))
    assert dfg(visits).edges == [] and dfg(visits).starts == {"visit": 6}
    by_type = hand_log(activity="type")
    assert variants(by_type)[0]["path"] == ["VISIT"]
    with pytest.raises(ValidationError, match="--to is before --from"):
        hand_log(filters=LogFilters(start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1)))


@pytest.mark.pure
def test_empty_log():
    empty = hand_log([])
    found = dfg(empty)
    assert (found.edges, found.starts, found.ends, found.cases, found.events) == ([], {}, {}, 0, 0)
    assert variants(empty) == []
    result = funnel(empty, STAGES)
    assert result["cases"] == 0 and [s["reached"] for s in result["stages"]] == [0, 0, 0]
    assert result["stages"][1]["conversion"] is None and result["completion"] is None
    assert paths_to(empty, "churn")["cases_with_outcome"] == 0
    with pytest.raises(ValidationError, match="the log is empty"):
        paths_to(empty, "visit")


@pytest.mark.pure
def test_funnel_by_hand():
    result = funnel(hand_log(), STAGES)
    assert result["skipped"] == ["empty"] and "'empty' has no touchpoint" in result["notes"][0]
    discover, buy, support = result["stages"]
    # in order: A 0→10→70 min; B visit at 5, order at 20, no support; C, E only a visit;
    # D visit and order both at 0 (at or after counts), call at 30; F: delivery before its
    # visit, so it reaches support any time but not in order.
    assert (discover["reached_any"], discover["reached"], discover["conversion"]) == (6, 6, None)
    assert discover["drop_off"] is None and discover["median_seconds_from_previous"] is None
    assert (buy["reached_any"], buy["reached"], buy["share_of_cases"]) == (3, 3, 0.5)
    assert (buy["conversion"], buy["drop_off"], buy["drop_off_share"]) == (0.5, 3, 0.5)
    # times from discover: A 600, B 900, D 0 → median 600, p90 600 + 0.8 × 300 = 840
    assert (buy["median_seconds_from_previous"], buy["p90_seconds_from_previous"]) == (600, 840)
    assert (buy["median_seconds_from_first"], buy["p90_seconds_from_first"]) == (600, 840)
    assert (support["reached_any"], support["reached"]) == (3, 2)
    assert (support["conversion"], support["drop_off"], support["drop_off_share"]) == (
        0.666667,
        1,
        0.333333,
    )
    # from buy: A 3600, D 1800; from the first stage (time to complete): A 4200, D 1800
    assert (support["median_seconds_from_previous"], support["p90_seconds_from_previous"]) == (
        2700,
        3420,
    )
    assert (support["median_seconds_from_first"], support["p90_seconds_from_first"]) == (
        3000,
        3960,
    )
    assert (result["cases"], result["completed"], result["completion"]) == (6, 2, 0.333333)
    assert support["touchpoints"] == ["delivery", "call_centre"]


@pytest.mark.pure
def test_funnel_needs_a_stage_with_touchpoints():
    with pytest.raises(ValidationError, match="no stage of the journey has a touchpoint"):
        funnel(hand_log(), [("a", "A", [])])


@pytest.mark.pure
def test_parse_stages():
    assert parse_stages(" visit=visit ; buy=order,payment;") == [
        ("visit", "visit", ["visit"]),
        ("buy", "buy", ["order", "payment"]),
    ]
    for bad, message in [
        ("", "no stage given"),
        ("visit", "expected stage=touchpoint"),
        ("visit=", "expected stage=touchpoint"),
        ("a=x;a=y", "stage 'a' is given twice"),
        ("a=x;b=x", "touchpoint 'x' is in stages 'a' and 'b'"),
    ]:
        with pytest.raises(ValidationError, match=message):
            parse_stages(bad)


@pytest.mark.pure
def test_paths_to_an_activity_by_hand():
    found = paths_to(hand_log(), "order")
    # first order: A after a visit; B and D at their first event: nothing before
    assert (found["cases_with_outcome"], found["cases"]) == (3, 6)
    assert found["paths"] == [
        {"path": [], "count": 2, "share": 0.666667},
        {"path": ["visit"], "count": 1, "share": 0.333333},
    ]
    assert found["before"] == [
        {"activity": "visit", "cases": 1, "share": 0.333333, "share_all": 1.0, "lift": 0.3333}
    ]
    call = paths_to(hand_log(), "call_centre", steps=3)
    assert call["paths"] == [{"path": ["order", "visit"], "count": 1, "share": 1.0}]
    # order is before the call in its one case, and in half the cases at all: lift 2
    assert call["before"] == [
        {"activity": "order", "cases": 1, "share": 1.0, "share_all": 0.5, "lift": 2.0},
        {"activity": "visit", "cases": 1, "share": 1.0, "share_all": 1.0, "lift": 1.0},
    ]
    one = paths_to(hand_log(), "delivery", steps=1)
    assert one["paths"] == [
        {"path": [], "count": 1, "share": 0.5},  # F starts with it
        {"path": ["order"], "count": 1, "share": 0.5},
    ]
    by_type = paths_to(hand_log(activity="type"), "CALL_CENTRE")
    assert (by_type["cases_with_outcome"], by_type["outcome_is"]) == (1, "type")
    assert by_type["paths"][0]["path"] == ["ORDER", "VISIT"]
    # a type when the activity is the touchpoint (and the other way round): found, said so
    other = paths_to(hand_log(), "CALL_CENTRE")
    assert other["outcome_is"] == "type" and other["paths"] == call["paths"]
    assert paths_to(hand_log(activity="type"), "delivery")["outcome_is"] == "touchpoint"


@pytest.mark.pure
def test_paths_to_churn_by_hand():
    found = paths_to(hand_log(), "churn", steps=2)
    # the log ends on 2025-09-01 (E); everyone else's last event is more than 180 days before
    assert (found["outcome"], found["cases_with_outcome"], found["churn_days"]) == ("churn", 5, 180)
    assert [(p["path"], p["count"], p["share"]) for p in found["paths"]] == [
        (["delivery", "visit"], 1, 0.2),
        (["order", "delivery"], 1, 0.2),
        (["visit"], 1, 0.2),
        (["visit", "call_centre"], 1, 0.2),
        (["visit", "order"], 1, 0.2),
    ]
    assert paths_to(hand_log(), "churn", churn_days=300)["cases_with_outcome"] == 0
    assert paths_to(hand_log(), "churn", top=2)["distinct_paths"] == 5
    assert len(paths_to(hand_log(), "churn", top=2)["paths"]) == 2


@pytest.mark.pure
def test_paths_to_bad_outcomes():
    with pytest.raises(
        ValidationError,
        match=r"no touchpoint or type 'lost' in the log \(touchpoints: 'call_centre'",
    ):
        paths_to(hand_log(), "lost")
    many = [(f"x{i}", "Z", f"tp{i:02d}", i) for i in range(30)]
    with pytest.raises(ValidationError, match="'tp11' and 18 more"):
        paths_to(hand_log(many), "nothing")
    with pytest.raises(ValidationError, match="at least 1"):
        paths_to(hand_log(), "visit", steps=0)
    with pytest.raises(ValidationError, match="give an outcome"):
        paths_to(hand_log(), "  ")
    with pytest.raises(ValidationError) as raised:
        paths_to(hand_log(), "x" * 5000 + "\n")
    assert len(str(raised.value)) < 400 and "\n" not in str(raised.value)


# --- Commands on files --------------------------------------------------------------------


def write_csv(path: Path, events: list[tuple[str, str, str, int]] = EVENTS) -> Path:
    lines = ["event_id,customer_id,touchpoint,timestamp,channel,type,journey_id"]
    for r in rows(events):
        lines.append(
            f"{r['event_id']},{r['customer_id']},{r['touchpoint']},"
            f"{r['timestamp'].isoformat()},{r['channel']},{r['type']},J-{r['customer_id']}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*args: str) -> Any:
    return runner.invoke(app, ["journeys", *args])


def test_cli_dfg_and_variants_json_shapes(db, tmp_path: Path):
    path = str(write_csv(tmp_path / "events.csv"))
    result = cli("dfg", "--file", path, "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert set(found) == {"edges", "starts", "ends", "cases", "events"}
    assert all(
        set(e) == {"source", "target", "count", "median_seconds", "p90_seconds"}
        for e in found["edges"]
    )
    assert found["edges"][0] == {
        "source": "order",
        "target": "visit",
        "count": 2,
        "median_seconds": 150.0,
        "p90_seconds": 270.0,
    }
    assert found["starts"] == {"visit": 3, "order": 2, "delivery": 1}
    assert found["ends"] == {"visit": 3, "call_centre": 1, "delivery": 1, "order": 1}
    result = cli("variants", "--file", path, "--top", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"path": ["visit"], "count": 2, "share": 0.333333},
        {"path": ["delivery", "visit"], "count": 1, "share": 0.166667},
    ]
    # a journey id in the file's columns: one case per journey (here one per customer)
    result = cli("variants", "--file", path, "--case", "journey", "--format", "json")
    assert result.exit_code == 0, result.output
    assert sum(v["count"] for v in json.loads(result.stdout)) == 6
    for fmt in ("table", "csv"):
        assert cli("dfg", "--file", path, "--format", fmt).exit_code == 0
        assert cli("variants", "--file", path, "--format", fmt).exit_code == 0


def test_cli_funnel_and_paths_on_a_file(db, tmp_path: Path):
    path = str(write_csv(tmp_path / "events.csv"))
    stages = "discover=visit;buy=order;support=delivery,call_centre"
    result = cli("funnel", "--file", path, "--stages", stages, "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [s["reached"] for s in found["stages"]] == [6, 3, 2]
    assert [s["conversion"] for s in found["stages"]] == [None, 0.5, 0.666667]
    assert found["stages"][2]["median_seconds_from_first"] == 3000
    assert cli("funnel", "--file", path, "--stages", stages).exit_code == 0
    # from the purchase on: A, B, D buy; A and D then meet support (F never buys)
    result = cli("funnel", "--file", path, "--stages", stages, "--start-stage", "buy", "-f", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(s["stage"], s["reached"], s["conversion"]) for s in found["stages"]] == [
        ("buy", 3, None),
        ("support", 2, 0.666667),
    ]
    result = cli("funnel", "--file", path, "--stages", stages, "--start-stage", "nope")
    assert result.exit_code == 2
    assert (
        "no stage 'nope' in the journey (its stages: 'discover', 'buy', 'support')" in result.stderr
    )
    result = cli("paths", "--file", path, "--outcome", "call_centre", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["paths"] == [{"path": ["order", "visit"], "count": 1, "share": 1.0}]
    assert found["before"][0]["lift"] == 2.0
    result = cli("paths", "--file", path, "--outcome", "churn", "--steps", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cases_with_outcome"] == 5
    assert cli("paths", "--file", path, "--outcome", "order").exit_code == 0


def test_cli_bad_input(db, tmp_path: Path):
    path = write_csv(tmp_path / "events.csv")
    good = str(path)
    for args, message in [
        (["dfg", "--file", good, "--case", "planet"], "'planet' is not one of person"),
        (["dfg", "--file", good, "--activity", "colour"], "'colour' is not one of"),
        (["dfg", "--file", good, "--segment", "vip"], "not available with --file"),
        (["dfg", "--file", good, "--journey", "purchase"], "not used with --file"),
        (["dfg", "--file", good, "--from", "2025-02-30"], "is not a date"),
        (["paths", "--file", good, "--outcome", "lost_parcel"], "no touchpoint or type 'lost_"),
        (["paths", "--file", good, "--outcome", "visit", "--steps", "0"], "--steps"),
        (["funnel", "--file", good], "give the journey (--journey KEY) or its stages"),
        (["funnel", "--file", good, "--journey", "purchase"], "give its stages with --stages"),
        (["funnel", "--file", good, "--stages", "a=x;b=x"], "is in stages 'a' and 'b'"),
        (["funnel", "--file", good, "--journey", "p", "--stages", "a=x"], "not both"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        path.read_text(encoding="utf-8") + "z1,Z,visit,not-a-time,web,VISIT,J\n", encoding="utf-8"
    )
    result = cli("dfg", "--file", str(bad), "--format", "json")
    assert result.exit_code == 2 and "line 15" in result.stderr and result.stdout == ""
    result = cli("dfg", "--file", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2


def test_cli_hostile_touchpoints(db, tmp_path: Path, hostile: str):
    path = tmp_path / "events.jsonl"
    events = [
        {"event_id": "1", "customer_id": "c", "touchpoint": "visit", "timestamp": "2025-01-01T10:00:00"},
        {"event_id": "2", "customer_id": "c", "touchpoint": hostile, "timestamp": "2025-01-01T11:00:00"},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    result = cli("dfg", "--file", str(path), "--format", "json")
    if result.exit_code == 2:  # refused by the file's checks: said where, on one line
        assert "line 2" in result.stderr or "events.jsonl" in result.stderr
        return
    assert result.exit_code == 0, result.output
    (edge,) = json.loads(result.stdout)["edges"]
    assert (edge["source"], edge["target"], edge["median_seconds"]) == ("visit", hostile, 3600.0)
    result = cli("paths", "--file", str(path), "--outcome", hostile, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["paths"] == [{"path": ["visit"], "count": 1, "share": 1.0}]
    result = cli("variants", "--file", str(path))
    assert result.exit_code == 0, result.output


def test_cli_hostile_outcome_and_stages(db, tmp_path: Path, hostile: str):
    path = str(write_csv(tmp_path / "events.csv"))
    result = cli("paths", "--file", path, "--outcome", hostile)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    result = cli("funnel", "--file", path, "--stages", f"s={hostile}", "--format", "json")
    if result.exit_code == 0:  # a stage whose touchpoint the file does not have: reached by none
        assert json.loads(result.stdout)["stages"][0]["reached"] == 0
    else:
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


# --- In the warehouse: cases by person and by journey id (DuckDB, and PostgreSQL) -------------


def _persons(rows: list[tuple[str, str, str]]) -> None:
    """Write ``customer_persons`` as a resolution would: (source, customer_id, person_id)."""
    from cxpilot.customers.services import ensure_derived
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        ensure_derived(con)
        con.insert(
            "customer_persons",
            pa.Table.from_pylist(
                [{"source": s, "customer_id": c, "person_id": p} for s, c, p in rows]
            ),
        )


@pytest.fixture
def stored(org):
    """crm:A and web:W are one person P1; web:X is not resolved. Journey ids: J1 (A's visit
    to the website, W's store visit), J2 (A's call), 7 (a number: X's website visit); X's
    call has none."""
    from cxpilot.warehouse.ingest import load_arrow

    events = [
        ("i1", "crm", "A", "website", "2025-01-05 10:00", {"journey_id": "J1"}),
        ("i2", "web", "W", "store", "2025-01-05 11:00", {"journey_id": "J1"}),
        ("i3", "crm", "A", "call_centre", "2025-01-06 10:00", {"journey_id": "J2"}),
        ("i4", "web", "X", "website", "2025-01-07 10:00", {"journey_id": 7}),
        ("i5", "web", "X", "call_centre", "2025-01-08 10:00", None),
    ]
    table = pa.Table.from_pylist(
        [
            {
                "event_id": eid,
                "source": source,
                "customer_id": cid,
                "touchpoint": tp,
                "timestamp": dt.datetime.fromisoformat(when),
                "channel": "phone" if tp == "call_centre" else "web",
                "type": "call" if tp == "call_centre" else "visit",
                "attributes": json.dumps(attrs) if attrs else None,
            }
            for eid, source, cid, tp, when, attrs in events
        ]
    )
    load_arrow(table="interactions", data=table)
    _persons([("crm", "A", "P1"), ("web", "W", "P1")])


def _variants(*args: str) -> list[tuple[list[str], int]]:
    result = cli("variants", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [(v["path"], v["count"]) for v in json.loads(result.stdout)]


def test_cases_by_person_record_and_journey_in_the_warehouse(stored):
    assert _variants() == [
        (["website", "call_centre"], 1),
        (["website", "store", "call_centre"], 1),
    ]
    assert _variants("--case", "record") == [(["website", "call_centre"], 2), (["store"], 1)]
    assert _variants("--case", "journey") == [
        (["call_centre"], 1),
        (["website"], 1),
        (["website", "store"], 1),
    ]
    assert _variants("--activity", "type") == [
        (["visit", "call"], 1),
        (["visit", "visit", "call"], 1),
    ]
    assert _variants("--journey", "purchase", "--to", "2025-01-05") == [(["website", "store"], 1)]
    result = cli("dfg", "--format", "json")
    assert result.exit_code == 0, result.output
    edges = {
        (e["source"], e["target"]): e["median_seconds"] for e in json.loads(result.stdout)["edges"]
    }
    assert edges == {
        ("website", "store"): 3600.0,
        ("store", "call_centre"): 82800.0,
        ("website", "call_centre"): 86400.0,
    }


def test_funnel_of_an_organisation_journey(stored):
    result = cli("funnel", "--journey", "purchase", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    # "discover" has no touchpoint in the organisation model; buy = website, store
    assert found["skipped"] == ["discover"]
    assert [(s["stage"], s["reached"]) for s in found["stages"]] == [("buy", 2), ("support", 2)]
    assert found["stages"][1]["median_seconds_from_previous"] == 86400.0
    assert found["stages"][0]["touchpoints"] == ["store", "website"]
    by_journey = json.loads(
        cli("funnel", "--journey", "purchase", "--case", "journey", "--format", "json").stdout
    )
    assert [s["reached"] for s in by_journey["stages"]] == [2, 0]  # J1 and 7 buy; J2 only calls
    result = cli("funnel", "--journey", "nowhere")
    assert result.exit_code == 2 and "no journey 'nowhere'" in result.stderr
    assert cli("funnel", "--journey", "purchase").exit_code == 0


def test_paths_in_the_warehouse(stored):
    result = cli("paths", "--outcome", "call_centre", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["paths"] == [
        {"path": ["website"], "count": 1, "share": 0.5},
        {"path": ["website", "store"], "count": 1, "share": 0.5},
    ]
    result = cli("paths", "--outcome", "call_centre", "--case", "journey", "--format", "json")
    assert json.loads(result.stdout)["paths"] == [{"path": [], "count": 1, "share": 1.0}]
    result = cli("paths", "--outcome", "call", "--activity", "type", "--format", "json")
    assert json.loads(result.stdout)["cases_with_outcome"] == 2
