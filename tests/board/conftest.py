"""A small warehouse with known figures for the board (computed by hand in the tests)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from cxpilot.warehouse.ingest import load_arrow


def _answers(month: tuple[int, int], prefix: str, plan: list[tuple[int, int]]) -> list[dict]:
    """``plan``: (score, how many) of the website's NPS answers in ``month``."""
    rows = []
    i = 0
    for score, count in plan:
        for _ in range(count):
            rows.append(
                {
                    "response_id": f"{prefix}{i}",
                    "customer_id": f"{prefix}c{i}",
                    "source": "crm",
                    "touchpoint": "website",
                    "timestamp": dt.datetime(*month, 1 + i % 27, 12),
                    "metric": "nps",
                    "score": score,
                    "channel": "web",
                }
            )
            i += 1
    return rows


def _event(n: int, customer: str, kind: str, day: dt.datetime, tp: str, channel: str) -> dict:
    return {
        "event_id": f"e{n}",
        "customer_id": customer,
        "source": "crm",
        "touchpoint": tp,
        "timestamp": day,
        "channel": channel,
        "type": kind,
    }


@pytest.fixture
def small(org) -> None:
    """Website NPS: March 2026 40 answers, 20 promoters, 10 detractors (NPS 25); February
    2026 40 answers, 10 promoters, 20 detractors (NPS −25). Interactions of March 2026:
    four web visits of c1..c4, c1 orders two days later, c2 twelve days later (conversion 1
    of 4); c1 opens two e-mails and c2 clicks on social media (reach 2)."""
    rows = _answers((2026, 3), "m", [(10, 20), (0, 10), (8, 10)])
    rows += _answers((2026, 2), "f", [(10, 10), (0, 20), (8, 10)])
    load_arrow(table="responses", data=pa.Table.from_pylist(rows))
    march = dt.datetime(2026, 3, 10, 10)
    events = [
        *(_event(i, f"c{i}", "visit", march, "website", "web") for i in range(1, 5)),
        _event(11, "c1", "order", march + dt.timedelta(days=2), "website", "web"),
        _event(12, "c2", "order", march + dt.timedelta(days=12), "website", "web"),
        _event(21, "c1", "email_open", march, "website", "email"),
        _event(22, "c1", "email_open", march + dt.timedelta(days=1), "website", "email"),
        _event(23, "c2", "social_click", march, "website", "web"),
    ]
    load_arrow(table="interactions", data=pa.Table.from_pylist(events))
