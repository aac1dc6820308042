"""Moments of truth on hand-built data: the features the engine builds for each answer
(outcome windows, tenure, recent interactions), a planted effect recovered with an interval
that covers it, no effect giving an interval that covers 0, and what bad input gets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.journeys import moments as m
from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()
D = dt.datetime
THRESHOLDS = {"nps": 6, "ces": 3, "csat": 2}


def answer(rid, cid, touchpoint, ts, metric, score, channel="web"):
    return {
        "response_id": rid,
        "customer_id": cid,
        "source": "crm",
        "touchpoint": touchpoint,
        "timestamp": ts,
        "metric": metric,
        "score": score,
        "channel": channel,
    }


def purchase(tid, cid, ts, amount=50.0):
    return {
        "transaction_id": tid,
        "customer_id": cid,
        "source": "crm",
        "timestamp": ts,
        "amount": amount,
    }


def event(eid, cid, touchpoint, ts):
    return {
        "event_id": eid,
        "customer_id": cid,
        "source": "crm",
        "touchpoint": touchpoint,
        "timestamp": ts,
        "type": "visit",
    }


def load(responses, transactions, interactions) -> None:
    for name, rows in (
        ("responses", responses),
        ("transactions", transactions),
        ("interactions", interactions),
    ):
        if rows:
            load_arrow(table=name, data=pa.Table.from_pylist(rows))


# ------------------------------------------------------------------ features, by hand


@pytest.fixture
def small(db):
    """Four customers whose every feature is worked out by hand in the tests."""
    load(
        responses=[
            answer("r1", "A", "call_centre", D(2025, 1, 10), "nps", 3, "phone"),  # poor
            answer("r2", "B", "store", D(2025, 3, 1), "csat", 5, "store"),
            answer("r3", "B", "store", D(2025, 11, 1), "csat", 4, "store"),  # too late
            answer("r4", "C", "website", D(2025, 5, 1), "nps", 9),
            answer("r5", "D", "app", D(2025, 3, 1), "ces", 2, "app"),  # poor
            # relationship answers: A's first after its answer is the 10 of June
            answer("x1", "A", "relation", D(2024, 12, 1), "nps", 0, "email"),
            answer("x2", "A", "relation", D(2025, 6, 1), "nps", 10, "email"),
            answer("x3", "A", "relation", D(2025, 9, 1), "nps", 2, "email"),
            answer("x4", "D", "relation", D(2025, 4, 1), "nps", 5, "email"),
        ],
        transactions=[
            purchase("t1", "A", D(2024, 6, 1, 10)),
            purchase("t2", "A", D(2025, 1, 20), -10.0),  # a refund is no purchase
            purchase("t3", "A", D(2025, 2, 1)),  # 22 days after the answer
            purchase("t4", "B", D(2025, 7, 1)),  # 122 days after
            purchase("t5", "C", D(2025, 4, 1)),
            purchase("t6", "C", D(2025, 12, 31, 12)),  # the end of the data
            purchase("t7", "D", D(2025, 2, 1)),
        ],
        interactions=[
            event("e1", "A", "website", D(2024, 6, 1, 9)),
            event("e2", "A", "website", D(2025, 1, 5)),
            event("e3", "A", "call_centre", D(2025, 1, 9)),
            event("e4", "A", "website", D(2025, 1, 11)),  # after the answer
            event("e5", "C", "website", D(2024, 1, 1)),  # more than 365 days before
        ],
    )


def built(outcome: str, **kwargs) -> dict[str, dict]:
    with m._warehouse_sources() as sources:
        frame = m.features(
            sources,
            outcome=outcome,
            thresholds=THRESHOLDS,
            data_end=D(2025, 12, 31, 12),
            **kwargs,
        ).to_pandas()
    return {
        row["person"].split("\x1f")[-1]: row
        for row in frame.to_dict("records")
        if row["touchpoint"] != "relation"
    }


@pytest.mark.warehouse
def test_repeat_features_worked_out_by_hand(small):
    rows = built("repeat")
    assert set(rows) == {"A", "B", "C", "D"}  # B's November answer is too late to observe
    assert {r["response_id"] for r in rows.values()} == {"r1", "r2", "r4", "r5"}
    a = rows["A"]
    assert (a["touchpoint"], a["poor"], a["y"], a["channel"]) == ("call_centre", 1, 1.0, "phone")
    # first seen 2024-06-01 09:00 (a visit, an hour before the first purchase)
    assert a["tenure_days"] == pytest.approx(222 + 15 / 24)
    assert a["recent"] == 3  # the visits of 2024-06-01 and 2025-01-05, the call of 01-09
    assert a["month"] == "2025-01" and a["segment"] == m.UNKNOWN
    b = rows["B"]
    assert (b["poor"], b["y"], b["recent"], b["tenure_days"]) == (0, 0.0, 0, 0.0)
    assert rows["C"]["y"] == 0.0 and rows["C"]["recent"] == 0  # its visit is too old
    assert rows["C"]["tenure_days"] == 366 + 120  # since the 2024-01-01 visit (a leap year)
    assert (rows["D"]["poor"], rows["D"]["y"]) == (1, 0.0)


@pytest.mark.warehouse
def test_churn_features_worked_out_by_hand(small):
    rows = built("churn")
    # answers at least 180 days before the end (2025-07-04 12:00)
    assert {k: v["y"] for k, v in rows.items()} == {"A": 0.0, "B": 0.0, "C": 0.0, "D": 1.0}


@pytest.mark.warehouse
def test_nps_features_take_the_next_relationship_answer(small):
    rows = built("nps", outcome_touchpoint="relation")
    # B has no relationship answer, C none either; the relationship answers are no units
    assert set(rows) == {"A", "D"}
    assert rows["A"]["y"] == 100.0  # 10 on 2025-06-01, not the 0 before nor the 2 after
    assert rows["D"]["y"] == -100.0
    assert built("nps", outcome_touchpoint="relation", start=dt.date(2025, 2, 1)).keys() == {"D"}


# --------------------------------------------------------- a planted effect, recovered


def planted(n: int = 1500, seed: int = 3) -> dict[str, list[dict]]:
    """``n`` customers with one call-centre and one store answer each in the first half of
    2025. A poor call makes the customer stop buying with probability 0.6 instead of 0.2
    (a churn effect of +40 points); the store's experience changes nothing. Customers who
    stay buy 1 to 150 days after the call (so a repeat within 90 days: 0.6 of them, and the
    poor call's effect on it −0.4 × 0.6 = −24 points)."""
    rng = np.random.default_rng(seed)
    ids = [f"P{i:05d}" for i in range(n)]
    start = D(2025, 1, 1)
    call_day = rng.uniform(0, 180, n)
    store_day = rng.uniform(0, 180, n)
    poor_call = rng.random(n) < 0.35
    poor_store = rng.random(n) < 0.3
    churned = rng.random(n) < np.where(poor_call, 0.6, 0.2)
    later = rng.uniform(1, 150, n)
    responses, transactions, interactions = [], [], []
    for i, cid in enumerate(ids):  # building the test's input rows
        t = start + dt.timedelta(days=float(call_day[i]))
        responses.append(
            answer(f"c{i}", cid, "call_centre", t, "nps", 3 if poor_call[i] else 9, "phone")
        )
        s = start + dt.timedelta(days=float(store_day[i]))
        responses.append(
            answer(f"s{i}", cid, "store", s, "csat", 1 if poor_store[i] else 5, "store")
        )
        transactions.append(purchase(f"b{i}", cid, start - dt.timedelta(days=30)))
        interactions.append(event(f"v{i}", cid, "website", start - dt.timedelta(days=40)))
        if not churned[i]:
            transactions.append(purchase(f"a{i}", cid, t + dt.timedelta(days=float(later[i]))))
    # ten poor chat answers only: too few to estimate
    for i in range(150):
        responses.append(
            answer(
                f"h{i}", ids[i], "chat", start + dt.timedelta(days=i), "csat", 1 if i < 10 else 5
            )
        )
    transactions.append(purchase("end", "ZZ", D(2026, 6, 30)))  # the data ends here
    return {"responses": responses, "transactions": transactions, "interactions": interactions}


@pytest.fixture
def effect(db):
    data = planted()
    load(**data)
    return data


@pytest.mark.warehouse
def test_a_planted_churn_effect_is_recovered_and_no_effect_covers_zero(effect):
    found = m.moments_of_truth(actor=None, outcome="churn")
    rows = {r["touchpoint"]: r for r in found.rows}
    call, store = rows["call_centre"], rows["store"]
    assert call["rank"] == 1 and found.rows[0] is call
    assert call["ci_low"] < 40 < call["ci_high"] and call["ci_low"] > 20
    assert call["n"] == 1500 and call["persons"] == 1500
    assert 0.3 < call["exposed"] / call["n"] < 0.4
    assert store["ci_low"] < 0 < store["ci_high"]
    assert store["p_value"] > 0.05 and store["rank"] == 2
    assert found.unit == "percentage points" and "cluster" in found.method
    skipped = {r["touchpoint"]: r for r in found.not_estimated}
    assert "10 poor answers" in skipped["chat"]["reason"]
    assert set(found.as_dict()) >= {"rows", "not_estimated", "method", "outcome"}


def test_a_planted_repeat_effect_is_recovered(effect):
    found = m.moments_of_truth(actor=None, outcome="repeat")
    call = found.rows[0]
    assert call["touchpoint"] == "call_centre"
    assert call["ci_low"] < -24 < call["ci_high"] and call["ci_high"] < -10
    store = next(r for r in found.rows if r["touchpoint"] == "store")
    assert store["ci_low"] < 0 < store["ci_high"]


def test_the_period_keeps_the_answers_of_its_days(effect):
    found = m.moments_of_truth(
        actor=None, outcome="churn", start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31)
    )
    call = next(r for r in found.rows if r["touchpoint"] == "call_centre")
    assert 600 < call["n"] < 900  # about half of the half-year


# ---------------------------------------------------------------------- bad input


def test_unknown_outcome_and_reversed_period(db):
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(actor=None, outcome="<script>")
    assert caught.value.where == "--outcome" and "repeat, churn, nps" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(
            actor=None, outcome="churn", start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1)
        )
    assert caught.value.where == "--to"


def test_no_purchase_is_a_clear_error(db):
    load(
        responses=[answer("r1", "A", "store", D(2025, 1, 1), "nps", 3)],
        transactions=[purchase("t1", "A", D(2025, 2, 1), -20.0)],
        interactions=[],
    )
    with pytest.raises(ValidationError, match="no purchase"):
        m.moments_of_truth(actor=None, outcome="repeat")


def test_too_few_answers_are_listed_not_estimated(small):
    found = m.moments_of_truth(actor=None, outcome="repeat")
    assert found.rows == []
    assert {r["touchpoint"] for r in found.not_estimated} == {
        "app",
        "call_centre",
        "relation",
        "store",
        "website",
    }
    assert all("fewer than 100" in r["reason"] for r in found.not_estimated)


def test_no_answer_in_the_window_is_a_clear_error(small):
    with pytest.raises(ValidationError, match="no answer in the observable window"):
        m.moments_of_truth(actor=None, outcome="churn", start=dt.date(2025, 8, 1))


def test_unknown_segment_and_relationship_touchpoint(small):
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(actor=None, outcome="churn", segment="nobody")
    assert caught.value.where == "--segment"
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(actor=None, outcome="nps", outcome_touchpoint="store")
    assert caught.value.where == "--outcome-touchpoint" and "no NPS answer" in str(caught.value)
    # no organisation model: no touchpoint is known to lie outside the journeys
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(actor=None, outcome="nps")
    assert caught.value.where == "--outcome-touchpoint"


def test_a_user_without_the_analytics_permission_is_refused(small, make_user):
    with pytest.raises(PermissionDenied):
        m.moments_of_truth(actor=make_user(None), outcome="churn")
    assert m.moments_of_truth(actor=make_user("viewer"), outcome="repeat").not_estimated


# ----------------------------------------------------------------------------- CLI


def write(path: Path, rows: list[dict]) -> Path:
    pacsv.write_csv(pa.Table.from_pylist(rows), path)
    return path


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    data = planted(n=800)
    return {name: write(tmp_path / f"{name}.csv", rows) for name, rows in data.items()}


def run(*args):
    return runner.invoke(app, ["journeys", "moments", *map(str, args)])


@pytest.mark.django_db
def test_cli_json_on_files(files):
    result = run(
        "--outcome",
        "churn",
        "--file",
        files["interactions"],
        "--responses",
        files["responses"],
        "--transactions",
        files["transactions"],
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["touchpoint"] for r in rows] == ["call_centre", "store"]
    for row in rows:
        assert {"touchpoint", "effect", "ci_low", "ci_high", "n", "rank"} <= set(row)
        assert row["ci_low"] <= row["effect"] <= row["ci_high"]
    assert rows[0]["effect"] > 20 and rows[0]["n"] == 800


@pytest.mark.django_db
def test_cli_says_what_is_missing_and_refuses_what_does_not_fit(files):
    result = run("--outcome", "churn", "--file", files["interactions"])
    assert result.exit_code == 2
    assert "--responses and --transactions" in result.output
    result = run(
        "--outcome", "churn", "--file", files["interactions"], "--responses", files["responses"]
    )
    assert result.exit_code == 2 and "--transactions" in result.output
    result = run("--outcome", "churn", "--responses", files["responses"])
    assert result.exit_code == 2 and "--responses goes with --file" in result.output
    result = run("--outcome", "churn", "--file", files["interactions"], "--segment", "x")
    assert result.exit_code == 2 and "--segment" in result.output
    result = run("--outcome", "often")
    assert result.exit_code == 2 and "'often' is not an outcome" in result.output
    bad = write(files["responses"].with_name("bad.csv"), [{"response_id": "r", "score": "x"}])
    result = run(
        "--outcome",
        "repeat",
        "--file",
        files["interactions"],
        "--responses",
        bad,
        "--transactions",
        files["transactions"],
    )
    assert result.exit_code == 2 and "bad.csv" in result.output


@pytest.mark.warehouse
def test_cli_json_on_the_warehouse(effect):
    result = run("--outcome", "repeat", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["touchpoint"] == "call_centre" and rows[0]["effect"] < 0
    result = run("--outcome", "repeat")
    assert result.exit_code == 0 and "not estimated: chat" in result.output


def test_hostile_segment_and_touchpoint_are_clear_errors(small, hostile):
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(actor=None, outcome="churn", segment=hostile)
    assert caught.value.where == "--segment"
    with pytest.raises(ValidationError) as caught:
        m.moments_of_truth(actor=None, outcome="nps", outcome_touchpoint=hostile)
    assert caught.value.where == "--outcome-touchpoint"
    with pytest.raises(ValidationError):
        m.moments_of_truth(actor=None, outcome=hostile)


@pytest.mark.django_db
def test_cli_nps_on_files_needs_the_relationship_touchpoint(files):
    args = ["--file", files["interactions"], "--responses", files["responses"]]
    args += ["--transactions", files["transactions"]]
    result = run("--outcome", "nps", *args)
    assert result.exit_code == 2 and "--outcome-touchpoint" in result.output
    result = run("--outcome", "nps", "--outcome-touchpoint", "store", *args)
    assert result.exit_code == 2 and "no NPS answer at the touchpoint 'store'" in result.output
