"""From a maturity result to a prioritised roadmap: the pure rules (no Django).

1. **Recommended**: an action of the catalogue whose dimension scored below the action's
   ``trigger.max_score`` (a dimension without a score triggers nothing).
2. **Priority**: quick wins first (impact ≥ 4 and effort ≤ 2), then by the value
   impact − effort (highest first), then impact (highest), effort (lowest), key.
3. **Prerequisites**: an action comes after the recommended actions it depends on (a
   prerequisite that is not recommended is taken as done: its dimension is strong enough).
   Ordering picks, at each step, the best-priority action whose prerequisites are placed.
4. **Horizons** (30, 60, 90 days, 12 months): in that order, each action goes to the first
   horizon that still has room for its effort (``effort_budget``) and comes after the horizon
   of each of its prerequisites; the last horizon takes what is left.
5. **Owners**: the action's owner role maps to the first department of the organisation
   listed for it in ``owner_departments``; none found: the role is shown as is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from cxpilot.maturity.catalog import Action, ActionCatalogue


def is_quick_win(action: Action) -> bool:
    return action.impact >= 4 and action.effort <= 2


def _rank(action: Action) -> tuple[bool, int, int, int, str]:
    return (
        not is_quick_win(action),
        -(action.impact - action.effort),
        -action.impact,
        action.effort,
        action.key,
    )


def owner_departments(
    catalogue: ActionCatalogue, department_keys: Collection[str]
) -> dict[str, str | None]:
    """Owner role → the organisation's department key for it (None: no department matches)."""
    return {
        role: next(
            (k for k in catalogue.owner_departments.get(role, ()) if k in department_keys), None
        )
        for role in catalogue.owners
    }


def roadmap_plan(
    catalogue: ActionCatalogue,
    scores: Mapping[str, float | None],
    *,
    owners: Mapping[str, str | None] | None = None,
) -> list[dict[str, Any]]:
    """The recommended actions in roadmap order, each with its priority and horizon."""
    chosen = [
        a
        for a in catalogue.actions
        if scores.get(a.dimension) is not None and float(scores[a.dimension] or 0) < a.max_score
    ]
    keys = {a.key for a in chosen}
    pending = sorted(chosen, key=_rank)
    ordered: list[Action] = []
    placed: set[str] = set()
    while pending:
        for i, action in enumerate(pending):
            if all(p in placed or p not in keys for p in action.prerequisites):
                ordered.append(pending.pop(i))
                placed.add(action.key)
                break
        else:  # pragma: no cover - the catalogue is checked to be acyclic
            raise RuntimeError("prerequisites form a cycle")

    horizons = catalogue.horizons
    used = [0.0] * len(horizons)
    horizon_of: dict[str, int] = {}
    rows = []
    for priority, action in enumerate(ordered, start=1):
        start = max((horizon_of[p] + 1 for p in action.prerequisites if p in horizon_of), default=0)
        index = min(start, len(horizons) - 1)
        while index < len(horizons) - 1:
            budget = horizons[index].effort_budget
            if budget is None or used[index] + action.effort <= budget:
                break
            index += 1
        used[index] += action.effort
        horizon_of[action.key] = index
        owner_dept = (owners or {}).get(action.owner)
        rows.append(
            {
                "priority": priority,
                "action": action.key,
                "name": dict(action.name),
                "dimension": action.dimension,
                "dimension_score": scores.get(action.dimension),
                "threshold": action.max_score,
                "impact": action.impact,
                "effort": action.effort,
                "quick_win": is_quick_win(action),
                "owner": action.owner,
                "owner_department": owner_dept,
                "prerequisites": [p for p in action.prerequisites if p in keys],
                "horizon": horizons[index].key,
                "horizon_index": index,
            }
        )
    rows.sort(key=lambda r: (r["horizon_index"], r["priority"]))
    return rows
