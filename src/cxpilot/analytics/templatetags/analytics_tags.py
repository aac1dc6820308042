"""Template tags of the analytics, for pages of other domains that show scores where people
look (the organisation's touchpoints, departments and journeys):
``{% load analytics_tags %}{% scores_panel keys %}`` and ``{% touchpoint_nps key %}``.
Users who may not see the analytics get nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from cxpilot.analytics.charts import METRIC_INFO, number
from cxpilot.analytics.metrics import METRICS
from cxpilot.analytics.selectors import PERMISSION, TouchpointScores, touchpoint_scores
from cxpilot.kernel import roles

register = template.Library()


def _scores(context: template.Context) -> TouchpointScores | None:
    """The scores, once per page (a list asks for one cell per row)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not roles.may(user, PERMISSION):
        return None
    found = getattr(request, "_cxpilot_touchpoint_scores", None)
    if found is None:
        found = touchpoint_scores(actor=user)
        request._cxpilot_touchpoint_scores = found  # type: ignore[attr-defined]
    return found  # type: ignore[no-any-return]


@register.simple_tag(takes_context=True)
def touchpoint_nps(context: template.Context, key: str) -> str:
    """The touchpoint's NPS over the last twelve months, or "—"."""
    found = _scores(context)
    row = found.scores.get(key, {}).get("nps") if found else None
    return number(row["score"], "nps") if row else "—"


@register.inclusion_tag("analytics/_scores_panel.html", takes_context=True)
def scores_panel(context: template.Context, touchpoints: Any) -> dict[str, Any]:
    """A table of NPS, CES and CSAT (score, 95 % interval, answers) for ``touchpoints`` (one
    touchpoint or several: anything with a ``key`` and a ``name``), each leading to the
    dashboard filtered on it."""
    found = _scores(context)
    if found is None:
        return {"shown": False}
    items: Iterable[Any] = [touchpoints] if hasattr(touchpoints, "key") else list(touchpoints or [])
    names = {t.key: t.name for t in items}
    rows = []
    for key in names:
        by_metric = found.scores.get(key, {})
        cells = []
        for metric in METRICS:
            row = by_metric.get(metric)
            cells.append(
                {
                    "score": number(row["score"], metric) if row else "—",
                    "n": row["n"] if row else 0,
                    "interval": (
                        f"{number(row['ci_low'], metric)} – {number(row['ci_high'], metric)}"
                        if row
                        else ""
                    ),
                }
            )
        href = reverse("voc_dashboard") + "?" + urlencode({"touchpoint": key})
        rows.append({"key": key, "name": names.get(key, key), "cells": cells, "href": href})
    return {
        "shown": True,
        "rows": rows,
        "labels": [METRIC_INFO[m].label for m in METRICS],
        "start": found.start,
        "end": found.end,
    }
