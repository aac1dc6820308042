"""A small warehouse of answers with verbatims, in French and English, with known themes."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tests.verbatims.test_themes import corpus

#: NPS score by topic: delivery answers are detractors, staff promoters, price passives.
SCORES = {"delivery": 2, "staff": 10, "price": 7}


def answers(copies: int = 40, touchpoint: str = "website") -> pa.Table:
    texts, langs, truth = corpus(copies)
    n = len(texts)
    start = dt.datetime(2026, 1, 1, 9)
    rows = {
        "response_id": [f"{touchpoint}-{i}" for i in range(n)],
        "customer_id": [f"c{i}" for i in range(n)],
        "touchpoint": [touchpoint] * n,
        "timestamp": [start + dt.timedelta(days=i % 59) for i in range(n)],
        "metric": ["nps"] * n,
        "score": [SCORES[t] for t in truth],
        "source": ["eshop"] * n,
        "verbatim": texts,
        "language": langs,
    }
    # 40 verbatims that name no theme (only words of tone), passives
    for i in range(40):
        rows["response_id"].append(f"{touchpoint}-plain-{i}")
        rows["customer_id"].append(f"p{i}")
        rows["touchpoint"].append(touchpoint)
        rows["timestamp"].append(start + dt.timedelta(days=i))
        rows["metric"].append("nps")
        rows["score"].append(8)
        rows["source"].append("eshop")
        rows["verbatim"].append("Rien à dire, merci." if i % 2 else "Nothing to say, thanks.")
        rows["language"].append("fr" if i % 2 else "en")
    # as many answers again without a verbatim: a tenth detractors, then promoters and passives
    for i in range(n):
        rows["response_id"].append(f"{touchpoint}-quiet-{i}")
        rows["customer_id"].append(f"q{i}")
        rows["touchpoint"].append(touchpoint)
        rows["timestamp"].append(start + dt.timedelta(days=i % 59))
        rows["metric"].append("nps")
        rows["score"].append(3 if i % 10 == 0 else 9 if i % 2 else 8)
        rows["source"].append("eshop")
        rows["verbatim"].append(None)
        rows["language"].append("fr")
    return pa.table(rows)


@pytest.fixture
def verbatims(org) -> pa.Table:
    """The answers stored in the warehouse (the ``org`` organisation has ``website``)."""
    from cxpilot.warehouse.ingest import load_arrow

    data = answers()
    load_arrow(table="responses", data=data)
    return data


@pytest.fixture
def analysed(verbatims) -> dict[str, int]:
    from cxpilot.verbatims.services import themes_discover, verbatims_analyse

    found = themes_discover(themes=3)
    done = verbatims_analyse(full=True)
    return {**found, **done}
