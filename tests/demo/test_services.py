"""demo_generate: argument checks, the organisation, the warehouse tables, the ground truth."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow.parquet as pq
import pytest

from cxpilot.demo import generator
from cxpilot.demo.services import demo_generate, truth_path
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.models import BrandPromise, Department, JourneyStage, Segment, Touchpoint
from cxpilot.warehouse.connection import counts, warehouse

EMPTY = {"customers": 0, "interactions": 0, "responses": 0, "transactions": 0}


@pytest.fixture
def home(settings, tmp_path: Path) -> Path:
    settings.CXPILOT_HOME = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("customers", "seed", "where"),
    [
        (99, 1, "--customers"),
        (5_000_001, 1, "--customers"),
        (0, 1, "--customers"),
        (-5, 1, "--customers"),
        ("2000", 1, "--customers"),
        (2000.0, 1, "--customers"),
        (True, 1, "--customers"),
        (2000, -1, "--seed"),
        (2000, "x", "--seed"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    db, home: Path, customers: object, seed: object, where: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        demo_generate(customers=customers, seed=seed)  # type: ignore[arg-type]
    assert excinfo.value.where == where
    assert counts() == EMPTY
    assert not Touchpoint.objects.exists()
    assert not truth_path().exists()


def test_out_of_range_message_says_the_bounds(db, home: Path) -> None:
    with pytest.raises(ValidationError, match=r"between 100 and 5,000,000"):
        demo_generate(customers=50, seed=1)


@pytest.mark.warehouse
def test_generate_loads_organisation_tables_and_truth(db, home: Path) -> None:
    steps: list[str] = []
    result = demo_generate(customers=2000, seed=11, progress=steps.append)

    assert set(result) == set(EMPTY)
    assert result == counts()
    assert result["customers"] > 2000
    assert 3.5 * 2000 < result["responses"] < 6.5 * 2000
    assert steps[0] == "organisation" and any(s.startswith("loading responses") for s in steps)

    # the organisation
    assert Department.objects.count() == 10
    assert Segment.objects.filter(key=generator.HIGH_CHURN_SEGMENT).exists()
    assert set(Touchpoint.objects.values_list("key", flat=True)) == set(generator.TOUCHPOINTS)
    assert list(
        JourneyStage.objects.filter(journey__key="achat").values_list("key", flat=True)
    ) == [
        "decouverte",
        "consideration",
        "achat",
        "livraison",
        "utilisation",
        "service_apres_vente",
        "fidelisation",
    ]
    assert BrandPromise.objects.get(key="livraison_48h").touchpoints.filter(key="website").exists()

    # the truth names every source record and nothing else
    truth = pq.read_table(truth_path())
    assert truth.num_rows == result["customers"]
    assert {"person_id", "source", "customer_id"} <= set(truth.column_names)

    # the same data is in the warehouse: every response touchpoint is a known touchpoint
    with warehouse() as con:
        used = set(
            con.table("responses")
            .select("touchpoint")
            .distinct()
            .to_pyarrow()["touchpoint"]
            .to_pylist()
        )
    assert used <= set(Touchpoint.objects.values_list("key", flat=True))


@pytest.mark.warehouse
def test_generate_again_replaces_the_data(db, home: Path) -> None:
    first = demo_generate(customers=300, seed=5)
    second = demo_generate(customers=300, seed=5)
    assert first == second == counts()
    assert Touchpoint.objects.count() == len(generator.TOUCHPOINTS)
    other = demo_generate(customers=200, seed=5)
    assert other == counts() and other["customers"] < first["customers"]


def test_website_nps_drop_is_visible_in_the_warehouse(db, home: Path) -> None:
    """The planted delivery incident, computed by the engine (DuckDB or PostgreSQL)."""
    demo_generate(customers=3000, seed=3)
    with warehouse() as con:
        r = con.table("responses")
        r = r.filter((r.touchpoint == "website") & (r.metric == "nps"))
        period = ibis.cases(
            ((r.timestamp >= "2025-03-01") & (r.timestamp < "2025-11-01"), "before"),
            ((r.timestamp >= "2026-03-01") & (r.timestamp < "2026-11-01"), "after"),
            else_="other",
        )
        m = r.mutate(period=period)
        nps = (
            m.group_by("period")
            .aggregate(
                promoters=ibis.ifelse(m.score >= 9, 1, 0).sum().cast("int64"),
                detractors=ibis.ifelse(m.score <= 6, 1, 0).sum().cast("int64"),
                answers=m.count(),
            )
            .to_pyarrow()
            .to_pylist()
        )
    by_period = {
        row["period"]: 100 * (row["promoters"] - row["detractors"]) / row["answers"] for row in nps
    }
    assert by_period["before"] - by_period["after"] > 15


def test_the_demo_cases_are_worked_as_a_team_works_them(db, home: Path) -> None:
    import datetime as dt
    from statistics import median

    from cxpilot.loop.models import FollowUpCase
    from cxpilot.loop.selectors import case_kpis

    demo_generate(customers=2000, seed=11)
    cases = list(FollowUpCase.objects.all())
    months = {c.answered_at.strftime("%Y-%m") for c in cases}
    assert months == {"2026-08", "2026-09", "2026-10"}
    # opened minutes after the answer, not all at the same minute
    assert all(
        dt.timedelta(0) < c.opened_at - c.answered_at < dt.timedelta(minutes=15) for c in cases
    )
    closed = [c for c in cases if c.status == "closed"]
    older = [c for c in cases if c.answered_at < dt.datetime(2026, 10, 25, tzinfo=dt.UTC)]
    assert 0.8 < sum(c.status == "closed" for c in older) / len(older) < 0.99
    assert all(c.resolution and c.root_cause and c.first_contact_at for c in closed)
    hours = median((c.closed_at - c.opened_at).total_seconds() / 3600 for c in closed)
    assert 12 < hours < 120
    late = sum(c.closed_at > c.due_at for c in closed) / len(closed)
    assert 0.05 < late < 0.6  # some closed past the SLA, most within
    kpis = case_kpis(actor=None)
    assert kpis["median_hours_to_close"] is not None and kpis["until"].date() <= dt.date(
        2026, 11, 1
    )
    assert kpis["overdue"] > 0  # a backlog, forgotten ones among it
    assert {c.root_cause for c in closed if c.touchpoint == "delivery"} <= {
        "transporteur en retard",
        "colis perdu",
        "colis abîmé",
    }
