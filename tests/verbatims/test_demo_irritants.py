"""The demo's planted delivery incident (website orders, from 2026-03) comes out as the top
irritant of the website, month by month, in French and in English — and not before."""

from __future__ import annotations

import datetime as dt

import pytest

from cxpilot.demo.generator import DELIVERY_INCIDENT_START
from cxpilot.verbatims.models import Theme
from cxpilot.verbatims.selectors import Scope, irritants

BEFORE = ["2025-11", "2025-12", "2026-01", "2026-02"]
AFTER = ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def month(key: str) -> tuple[dt.date, dt.date]:
    y, m = map(int, key.split("-"))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return dt.date(y, m, 1), nxt - dt.timedelta(days=1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_delivery_incident_is_the_top_website_irritant_from_its_month_in_both_languages():
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=20_000, seed=42)
    assert AFTER[0] == DELIVERY_INCIDENT_START[:7]
    delivery = [
        t.pk
        for t in Theme.objects.filter(active=True, merged_into__isnull=True)
        if t.terms and max(t.terms, key=t.terms.get) == "c:delivery"
    ]
    assert len(delivery) == 1, "one theme is about delivery"
    theme = Theme.objects.get(pk=delivery[0])
    assert "livraison" in theme.keywords_fr and "delivery" in theme.keywords_en
    assert "livraison" in theme.label_fr and "delivery" in theme.label_en
    for language in ("fr", "en"):
        for key in AFTER:
            start, end = month(key)
            rows = irritants(
                scope=Scope(touchpoint="website", start=start, end=end, language=language),
                min_mentions=3,
                examples=1,
            )
            assert rows[0]["theme_id"] == delivery[0], (language, key, rows[:2])
            assert rows[0]["ci_low"] > 0, (language, key)  # its cost is significant
        for key in BEFORE:
            start, end = month(key)
            rows = irritants(
                scope=Scope(touchpoint="website", start=start, end=end, language=language),
                min_mentions=3,
                examples=0,
            )
            ranks = [r["theme_id"] for r in rows]
            assert ranks[0] != delivery[0], (language, key)
            if delivery[0] in ranks:  # named, but not at a significant cost
                assert rows[ranks.index(delivery[0])]["ci_low"] <= 0, (language, key)
    # the demo comes analysed with a cross-fitted model: its stored sentiment is out of fold
    from cxpilot.verbatims.models import TextModel
    from cxpilot.verbatims.sentiment import SentimentModel

    current = TextModel.current()
    assert current.sentiment_model == "fitted" and current.sentiment_folds == 5
    assert current.sentiment_accuracy is not None and current.sentiment_texts > 1000
    assert len(SentimentModel.from_bytes(bytes(current.sentiment)).fold_models) == 5
