"""The churn model recovers the demo's planted truths (docs/demo-data.md):

- (b) a poor call-centre experience makes the person churn (probability 0.5, 7 to 60 days
  later): poor call-centre answers raise the risk, and are among the top reasons of the
  persons who gave them;
- (c) the bargain hunters (``chasseurs_bonnes_affaires``) churn far more: their segment
  raises the risk, and is among their top reasons.

One demo (5,000 customers, seed 42) for the module; the model trained as of 30 April 2026
(churn observed over the 180 days after it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from cxpilot.value import churn

pytestmark = pytest.mark.slow

CUTOFF = dt.date(2026, 4, 30)
SEGMENT = "segment=chasseurs_bonnes_affaires"
_FOUND: dict[str, Any] = {}


@pytest.fixture
def found(transactional_db) -> dict[str, Any]:
    if not _FOUND:
        from cxpilot.demo.generator.parameters import HIGH_CHURN_SEGMENT
        from cxpilot.demo.services import demo_generate
        from cxpilot.warehouse.connection import warehouse

        assert SEGMENT == f"segment={HIGH_CHURN_SEGMENT}"
        demo_generate(customers=5_000, seed=42)
        trained = churn.churn_train_warehouse(cutoff=CUTOFF, window_days=180)
        earlier = churn.churn_train_warehouse(cutoff=dt.date(2025, 12, 31), window_days=180)
        with warehouse() as con:
            frame = churn.warehouse_frame(con, cutoff=CUTOFF, window_days=180)
            after = churn._active_after(con, cutoff=CUTOFF, window_days=180)
        _FOUND.update(model=trained.model, earlier=earlier.model, frame=frame, after=after)
    return _FOUND


def test_the_model_separates_churners(found):
    assert found["model"].auc > 0.7 and found["model"].auc_sd < 0.06


def test_trained_before_and_scored_after(found):
    """Trained as of 31 December 2025, scored on the persons of 30 April 2026, against the
    churn observed after it: out of time as well as out of sample."""
    from sklearn.metrics import roc_auc_score

    frame, model = found["frame"], found["earlier"]
    columns = frame.copy()
    for name in model.numeric:
        if name not in columns:
            columns[name] = np.nan
    risk = model.risk(columns)
    y = np.array([0.0 if p in found["after"] else 1.0 for p in frame.index])
    assert roc_auc_score(y, risk) > 0.7


def _named(model: churn.ChurnModel, name: str) -> churn.Feature:
    return next(f for f in model.features if f.name == name)


@pytest.mark.parametrize("name", [SEGMENT, "bad_calls_recent"])
def test_a_planted_driver_raises_the_risk(found, name):
    feature = _named(found["model"], name)
    # more than 1.5 times the odds: for the segment, against the others; per poor call
    assert feature.per_unit > np.log(1.5)
    assert feature.coefficient > 0


def test_the_segment_is_among_the_top_factors(found):
    ranked = [f.name for f in churn.ranked(found["model"].features)]
    assert SEGMENT in ranked[:5]


@pytest.mark.parametrize(
    ("name", "who"),
    [
        (SEGMENT, lambda f: (f["segment"] == "chasseurs_bonnes_affaires").to_numpy()),
        ("bad_calls_recent", lambda f: (f["bad_calls_recent"] > 0).to_numpy()),
    ],
)
def test_a_planted_driver_is_among_its_persons_top_reasons(found, name, who):
    model, frame = found["model"], found["frame"]
    concerned = who(frame)
    assert concerned.sum() > 20
    reasons = model.reasons(churn.warehouse_columns(frame).frame[model.numeric + model.categorical])
    names = [f.name for f in model.features]
    hits = [name in {names[j] for j, _ in r} for r, c in zip(reasons, concerned, strict=True) if c]
    assert np.mean(hits) > 0.8
