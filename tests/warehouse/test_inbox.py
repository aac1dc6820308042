"""The inbox: acknowledged means committed; a kill at any point loses and duplicates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection as db_connection

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse import connection
from cxpilot.warehouse.connection import counts
from cxpilot.warehouse.inbox import inbox_flush, inbox_receive
from cxpilot.warehouse.models import InboxItem

pytestmark = pytest.mark.warehouse


def answers(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "response_id": f"r{i}",
            "customer_id": f"c{i % 7}",
            "touchpoint": "website",
            "timestamp": "2025-04-01T10:00:00",
            "metric": "nps",
            "score": i % 11,
            "verbatim": "<b>ok</b>" if i % 2 else None,
        }
        for i in range(start, start + n)
    ]


def test_receive_then_flush_is_idempotent(org):
    receipt = inbox_receive(table="responses", records=answers(5), source="web")
    assert (receipt.accepted, receipt.duplicates) == (5, 0)
    again = inbox_receive(table="responses", records=answers(5), source="web")
    assert (again.accepted, again.duplicates) == (0, 5)
    assert InboxItem.objects.count() == 5
    report = inbox_flush()
    assert report.flushed == 5 and report.added == {"responses": 5} and report.pending == 0
    assert counts()["responses"] == 5
    InboxItem.objects.update(flushed_at=None)  # as if the marks were lost
    assert inbox_flush().added == {"responses": 0}
    assert counts()["responses"] == 5


def test_bad_batch_is_refused_whole(org):
    bad = answers(3)
    bad[1]["score"] = 12
    with pytest.raises(ValidationError) as info:
        inbox_receive(table="responses", records=bad, source="web", where="body.records")
    assert info.value.problems[0].where == "body.records:record 2"
    assert InboxItem.objects.count() == 0
    with pytest.raises(ValidationError, match="inbox takes"):
        inbox_receive(table="customers", records=answers(1), source="web")
    with pytest.raises(ValidationError, match="non-empty list"):
        inbox_receive(table="responses", records=[], source="web")
    with pytest.raises(ValidationError, match="at most 1000"):
        inbox_receive(table="responses", records=answers(1001), source="web")
    assert InboxItem.objects.count() == 0


def test_flush_failure_midway_loses_nothing(org, monkeypatch):
    inbox_receive(table="responses", records=answers(4), source="web")
    import cxpilot.warehouse.inbox as inbox

    def crash(ids):
        raise RuntimeError("process died before marking")

    monkeypatch.setattr(inbox, "_mark_flushed", crash)
    with pytest.raises(RuntimeError):
        inbox_flush()
    assert counts()["responses"] == 4
    monkeypatch.undo()
    assert inbox_flush().flushed == 4
    assert counts()["responses"] == 4


def _child(script: str, warehouse_url: str) -> subprocess.CompletedProcess[str]:
    settings_dict = db_connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        db_url = f"sqlite:///{settings_dict['NAME']}"
    else:
        db_url = f"postgresql://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxpilot.settings",
        "CXPILOT_DATABASE_URL": db_url,
        "CXPILOT_WAREHOUSE_URL": warehouse_url,
    }
    env.pop("CXPILOT_TEST_DATABASE_URL", None)
    prelude = "import os, signal, django\ndjango.setup()\nfrom cxpilot.warehouse import inbox\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_killed_after_acknowledging_before_flush(org, warehouse_url):
    records = answers(50)
    script = f"""
        receipt = inbox.inbox_receive(table="responses", records={records!r}, source="web")
        print("ACK", receipt.accepted, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    child = _child(script, warehouse_url)
    assert child.returncode == -9, child.stderr
    assert child.stdout.strip() == "ACK 50"
    assert InboxItem.objects.filter(flushed_at__isnull=True).count() == 50
    assert inbox_flush().added == {"responses": 50}
    assert counts()["responses"] == 50


@pytest.mark.django_db(transaction=True)
def test_killed_between_warehouse_write_and_mark(org, warehouse_url):
    if warehouse_url.startswith("pyspark"):
        pytest.skip("a local Spark metastore admits one process at a time (docs/spark.md)")
    inbox_receive(table="responses", records=answers(30), source="web")
    connection.close()  # let the child process open the warehouse
    script = """
        inbox._mark_flushed = lambda ids: os.kill(os.getpid(), signal.SIGKILL)
        inbox.inbox_flush()
    """
    child = _child(script, warehouse_url)
    assert child.returncode == -9, child.stderr
    assert counts()["responses"] == 30  # written by the child before it died
    assert InboxItem.objects.filter(flushed_at__isnull=True).count() == 30
    report = inbox_flush()
    assert report.added == {"responses": 0} and report.flushed == 30
    assert counts()["responses"] == 30
    assert InboxItem.objects.filter(flushed_at__isnull=True).count() == 0


def test_attributes_survive_the_inbox_as_one_object(org):
    from cxpilot.warehouse.connection import warehouse

    record = {**answers(1)[0], "store_id": "S12", "q_reason": "price"}
    inbox_receive(table="responses", records=[record], source="web")
    inbox_flush()
    with warehouse() as con:
        (row,) = con.table("responses").to_pyarrow().to_pylist()
    import json

    assert json.loads(row["attributes"]) == {"store_id": "S12", "q_reason": "price"}


@pytest.mark.django_db(transaction=True)
def test_background_worker_flushes_on_each_receipt(org):
    import time

    from cxpilot.warehouse.inbox import inbox_worker

    # only a receipt can wake it within the test; 3 records make a busy flush here
    worker = inbox_worker(interval=3600, busy=3, busy_pause=7.0)
    worker.start()
    try:
        inbox_receive(table="responses", records=answers(3), source="web")
        deadline = time.monotonic() + 20
        while InboxItem.objects.filter(flushed_at__isnull=True).exists():
            assert time.monotonic() < deadline, "the worker did not flush after the commit"
            time.sleep(0.05)
    finally:
        worker.stop()
    assert not worker.is_alive()
    assert counts()["responses"] == 3
    assert worker.pause == 7.0  # after a busy flush, a longer pause


# --- A handful of records are checked one by one: the same rows as the vectorised path -----

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cxpilot.warehouse.files import records_to_raw  # noqa: E402
from cxpilot.warehouse.inbox import _jsonable  # noqa: E402
from cxpilot.warehouse.schema import table as table_spec  # noqa: E402
from cxpilot.warehouse.validate import records_checked, validate  # noqa: E402

TOUCHPOINTS = {"website": "website", "site web": "website", "app": "app"}
_hostile = st.one_of(
    st.sampled_from([" padded ", "", "Livraison\u00a0", "\ttab", "x\u0000y", "é" * 130]),
    st.text(max_size=12),
    st.none(),
    st.booleans(),
    st.floats(-1, 12),
)


def _mostly(valid: st.SearchStrategy, hostile: st.SearchStrategy = _hostile) -> st.SearchStrategy:
    """Valid values most of the time (so that whole records often pass), hostile ones too."""
    return st.integers(0, 9).flatmap(lambda draw: hostile if draw == 0 else valid)


_records = st.fixed_dictionaries(
    {
        "response_id": _mostly(st.uuids().map(str)),
        "customer_id": _mostly(st.sampled_from(["c1", "E-1001", "client é"])),
        "touchpoint": _mostly(
            st.sampled_from(["website", "Website", "site web", "app"]),
            st.sampled_from(["shop", " app", ""]),
        ),
        "timestamp": _mostly(
            st.sampled_from(
                [
                    "2025-04-01T10:00:00",
                    "2025-04-01T10:00:00.250000+02:00",
                    "2025-04-01T10:00:00.5-05:30",
                    "2025-04-01T10:00:00+00:00",
                ]
            ),
            st.sampled_from(
                [
                    "2025-04-01 10:00:00",
                    "2025-04-01",
                    "2025-04-01T10:00:00Z",
                    "1850-01-01T00:00:00",
                    "2025-13-01T00:00:00",
                    "now",
                ]
            ),
        ),
        "metric": _mostly(st.sampled_from(["nps", "ces", "csat"]), st.sampled_from(["NPS", "x"])),
        "score": _mostly(st.integers(1, 5), st.one_of(st.integers(-3, 15), _hostile)),
    },
    optional={
        "verbatim": _mostly(st.text(min_size=1, max_size=30)),
        "language": _mostly(st.sampled_from(["fr", "en"]), st.just("fr-FR-x-very-long-tag")),
        "channel": _mostly(st.sampled_from(["web", "widget"])),
        "survey": _mostly(st.sampled_from(["nps-web"])),
        "question": _mostly(st.sampled_from(["nps", "ces"])),
        "submission": _mostly(st.text(max_size=5)),
        "q_topics": _mostly(st.sampled_from(["price", "price;delivery"])),
    },
)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_records, min_size=1, max_size=3))
def test_records_checked_one_by_one_agree_with_the_vectorised_validator(records):
    spec = table_spec("responses")
    fast = records_checked(records, spec, default_source="web", touchpoints=TOUCHPOINTS)
    if fast is None:
        return  # left to the vectorised path
    checked = validate(
        records_to_raw(records, "body"),
        spec,
        default_source="web",
        touchpoints=TOUCHPOINTS,
        from_api=True,
    )
    assert checked.problem_count == 0, checked.problems
    assert fast == [_jsonable(row) for row in checked.data.to_pylist()]


def test_plain_records_take_the_one_by_one_path():
    records = [
        {**answers(1)[0], "timestamp": "2025-04-01T10:00:00.5+02:00", "q_reason": "price"},
        {**answers(2)[1], "verbatim": "Très bien", "language": "fr"},
    ]
    rows = records_checked(
        records, table_spec("responses"), default_source="web", touchpoints=TOUCHPOINTS
    )
    assert rows is not None
    assert rows[0]["timestamp"] == "2025-04-01T08:00:00.500000"
    assert rows[0]["attributes"] == '{"q_reason": "price"}' and rows[0]["source"] == "web"
    assert "attributes" not in rows[1] and rows[1]["verbatim"] == "Très bien"


@pytest.mark.parametrize(
    ("cost", "reason"),
    [
        (float("inf"), "is not a finite number"),
        (float("nan"), "is not a finite number"),
        ("-inf", "is not a finite number"),
        (1e308, "must be at most 1e+12"),
    ],
)
def test_a_cost_not_finite_or_absurd_is_refused_by_the_inbox(org, cost, reason):
    events = [
        {
            "event_id": f"e{i}",
            "customer_id": "c1",
            "touchpoint": "website",
            "timestamp": "2025-04-01T10:00:00",
            "cost": 3.5 if i != 1 else cost,
        }
        for i in range(3)
    ]
    with pytest.raises(ValidationError) as info:
        inbox_receive(table="interactions", records=events, source="web", where="body.records")
    problem = info.value.problems[0]
    assert problem.where == "body.records:record 2"
    assert problem.as_dict()["column"] == "cost" and reason in problem.as_dict()["reason"]
    assert InboxItem.objects.count() == 0
