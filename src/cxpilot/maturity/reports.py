"""The stable JSON of the maturity reports, shared by the CLI and the HTTP API (pure).

Scores and entropy are rounded to 0.1; keys are snake_case and do not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxpilot.maturity.catalog import Model


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def score_json(report: Mapping[str, Any], model: Model) -> dict[str, Any]:
    """The object of ``cxpilot maturity score --format json``."""
    names = {lv.level: lv.name["en"] for lv in model.levels}
    return {
        "respondents": report["respondents"],
        "overall_score": _r(report["overall_score"]),
        "overall_level": report["overall_level"],
        "overall_level_name": names.get(report["overall_level"]),
        "customer_centricity": _r(report["customer_centricity"]),
        "alignment_gap": _r(report["alignment_gap"]),
        "alignment_gap_dimension": report["alignment_gap_dimension"],
        "suppressed": report["suppressed"],
        "dimensions": [
            {
                "dimension": d["dimension"],
                "score": _r(d["score"]),
                "level": d["level"],
                "level_name": names.get(d["level"]),
                "gap": _r(d["gap"]),
                "by_department": {k: _r(v) for k, v in d["by_department"].items()},
            }
            for d in report["dimensions"]
        ],
    }


def culture_json(report: Mapping[str, Any]) -> dict[str, Any]:
    """The object of ``cxpilot culture entropy --format json``."""
    return {
        **report,
        "entropy": _r(report["entropy"]),
        "departments": [{**d, "entropy": _r(d["entropy"])} for d in report["departments"]],
    }


def roadmap_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``cxpilot maturity roadmap --format json``."""
    return [
        {
            "horizon": r["horizon"],
            "priority": r["priority"],
            "action": r["action"],
            "name": r["name"]["en"],
            "name_fr": r["name"]["fr"],
            "dimension": r["dimension"],
            "dimension_score": _r(r["dimension_score"]),
            "impact": r["impact"],
            "effort": r["effort"],
            "quick_win": r["quick_win"],
            "owner": r["owner"],
            "owner_department": r["owner_department"],
            "prerequisites": r["prerequisites"],
        }
        for r in rows
    ]
