"""The reads other domains use."""

from __future__ import annotations

import datetime as dt

import pytest

from cxpilot.maturity.selectors import latest_dimension_scores


def test_latest_dimension_scores_is_none_without_a_closed_campaign(answered):
    assert latest_dimension_scores() is None
    answered([("service", 3)] * 5, close=False)
    assert latest_dimension_scores() is None


def test_latest_dimension_scores_of_the_most_recent_closed_campaign(answered):
    # everyone rates every practice 2 (ad hoc): (2 − 1) / 3 × 100 = 33.3 in each dimension
    answered([("service", 2)] * 5, name="old", starts_on=dt.date(2025, 1, 1))
    # then 4 (systematic) in a later campaign: 100 everywhere
    answered([("ecommerce", 4)] * 5, name="new", starts_on=dt.date(2026, 1, 1))
    # an open campaign does not count, even a more recent one
    answered([("service", 1)] * 5, name="open", starts_on=dt.date(2026, 6, 1), close=False)
    scores = latest_dimension_scores()
    assert scores is not None and len(scores) == 8
    assert scores["governance"] == pytest.approx(100.0)


def test_too_few_respondents_gives_no_scores(answered):
    answered([("service", 2)] * 4)
    assert latest_dimension_scores() == {}
