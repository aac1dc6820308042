"""Maturity scores and cultural entropy: the pure computation (no Django, no I/O).

**Maturity** (rule also written in ``data/model.yaml`` and ``docs/maturity.md``). Ratings are
on Forrester's four-step scale: 1 undeveloped, 2 ad hoc, 3 repeatable, 4 systematic.

- practice mean  m_p = mean of the ratings given to practice p
- dimension mean m_d = Σ w_p·m_p / Σ w_p over the practices of d that were rated
- dimension score s_d = (m_d − 1) / 3 × 100   (0 = all undeveloped, 100 = all systematic)
- overall score  S = Σ W_d·s_d / Σ W_d over the dimensions with a score
- level: the highest of the five levels whose ``min_score`` ≤ score
- customer-centricity index: Σ W_d·s_d / Σ W_d over the model's customer-facing dimensions
  (``customer_centricity.dimensions``; shipped: customer understanding, journey design,
  measurement, culture)
- alignment gap of a dimension: max − min of the department scores shown (departments with
  at least ``MIN_GROUP`` respondents, at least two of them); the overall alignment gap is
  the largest of these, with the dimension where it happens.

**Anonymity**: no group of fewer than ``MIN_GROUP`` (5) respondents is shown. A department
under the threshold gets ``null`` scores and is listed in ``suppressed`` with the reason; if
the whole set has fewer than 5 respondents, every score is ``null``.

**Cultural entropy** (Barrett Values Centre; R. Barrett, *The Values-Driven Organization*,
2nd ed., Routledge 2017, ch. 4): entropy = votes for potentially limiting values in the
current culture / all current-culture votes, in percent. Bands (Barrett): ≤ 10 healthy,
≤ 20 minor issues, ≤ 30 significant issues, ≤ 40 serious issues, > 40 critical. Top values:
the ten with the most votes in a lens (ties broken by key). Matches: values in both the top
current and the top desired lists. Jumps: values in the top desired list and not in the top
current one, with both vote counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxpilot.maturity.catalog import Model, Value

MIN_GROUP = 5
TOP_VALUES = 10
MAX_PICKS = 10
#: Barrett's entropy bands: (upper bound in percent, key); above the last bound: critical.
ENTROPY_BANDS: tuple[tuple[float, str], ...] = (
    (10.0, "healthy"),
    (20.0, "minor"),
    (30.0, "significant"),
    (40.0, "serious"),
)
SUPPRESSED_REASON = "fewer than 5 respondents"


@dataclass(frozen=True)
class Answer:
    respondent: str
    department: str
    practice: str
    rating: int


@dataclass(frozen=True)
class Vote:
    respondent: str
    department: str
    lens: str  # current | desired
    value: str


def score_from_mean(mean_rating: float) -> float:
    """(mean rating − 1) / 3 × 100: 1 → 0, 4 → 100."""
    return (mean_rating - 1.0) / 3.0 * 100.0


def _weighted(pairs: Iterable[tuple[float, float | None]]) -> float | None:
    total = weight = 0.0
    for w, value in pairs:
        if value is None:
            continue
        total += w * value
        weight += w
    return total / weight if weight else None


def dimension_scores(model: Model, answers: Sequence[Answer]) -> dict[str, float | None]:
    """Score (0–100) of every dimension from ``answers``; None where nothing was rated."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for a in answers:
        cell = sums[a.practice]
        cell[0] += a.rating
        cell[1] += 1
    out: dict[str, float | None] = {}
    for dim in model.dimensions:
        mean = _weighted(
            (p.weight, sums[p.key][0] / sums[p.key][1] if p.key in sums else None)
            for p in dim.practices
        )
        out[dim.key] = None if mean is None else score_from_mean(mean)
    return out


def overall_score(model: Model, scores: Mapping[str, float | None]) -> float | None:
    return _weighted((d.weight, scores.get(d.key)) for d in model.dimensions)


def centricity_index(model: Model, scores: Mapping[str, float | None]) -> float | None:
    return _weighted(
        (d.weight, scores.get(d.key)) for d in model.dimensions if d.key in model.centricity
    )


def maturity_report(
    model: Model, answers: Sequence[Answer], *, min_group: int = MIN_GROUP
) -> dict[str, Any]:
    """Everything a maturity report shows, from the answers of one campaign (or file)."""
    respondents = {a.respondent for a in answers}
    by_dept: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        by_dept[a.department].append(a)
    dept_sizes = {d: len({a.respondent for a in rows}) for d, rows in sorted(by_dept.items())}
    shown = [d for d, n in dept_sizes.items() if n >= min_group]
    suppressed = [
        {"department": d, "respondents": n, "reason": SUPPRESSED_REASON}
        for d, n in dept_sizes.items()
        if n < min_group
    ]
    enough = len(respondents) >= min_group
    scores = dimension_scores(model, answers) if enough else dict.fromkeys(model.dimension)
    dept_scores = {d: dimension_scores(model, by_dept[d]) for d in shown} if enough else {}

    dimensions = []
    best_gap: tuple[float, str] | None = None
    for dim in model.dimensions:
        score = scores[dim.key]
        values: dict[str, float] = {}
        for d, s in dept_scores.items():
            value = s[dim.key]
            if value is not None:
                values[d] = value
        gap = max(values.values()) - min(values.values()) if len(values) >= 2 else None
        if gap is not None and (best_gap is None or gap > best_gap[0]):
            best_gap = (gap, dim.key)
        level = None if score is None else model.level_for(score)
        dimensions.append(
            {
                "dimension": dim.key,
                "score": score,
                "level": None if level is None else level.level,
                "level_key": None if level is None else level.key,
                "gap": gap,
                "by_department": {
                    d: (dept_scores[d][dim.key] if d in dept_scores else None) for d in dept_sizes
                },
            }
        )
    overall = overall_score(model, scores)
    overall_level = None if overall is None else model.level_for(overall)
    return {
        "respondents": len(respondents),
        "overall_score": overall,
        "overall_level": None if overall_level is None else overall_level.level,
        "overall_level_key": None if overall_level is None else overall_level.key,
        "customer_centricity": centricity_index(model, scores),
        "alignment_gap": None if best_gap is None else best_gap[0],
        "alignment_gap_dimension": None if best_gap is None else best_gap[1],
        "shown": enough,
        "reason": None if enough else SUPPRESSED_REASON,
        "departments": [
            {"department": d, "respondents": n, "shown": enough and n >= min_group}
            for d, n in dept_sizes.items()
        ],
        "suppressed": suppressed,
        "dimensions": dimensions,
    }


def maturity_compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Change per dimension (after − before, in score points) and overall."""

    def delta(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else b - a

    old = {d["dimension"]: d["score"] for d in before["dimensions"]}
    rows = [
        {
            "dimension": d["dimension"],
            "before": old.get(d["dimension"]),
            "after": d["score"],
            "change": delta(old.get(d["dimension"]), d["score"]),
        }
        for d in after["dimensions"]
    ]
    return {
        "overall_before": before["overall_score"],
        "overall_after": after["overall_score"],
        "overall_change": delta(before["overall_score"], after["overall_score"]),
        "level_before": before["overall_level"],
        "level_after": after["overall_level"],
        "dimensions": rows,
    }


# --- Cultural entropy ------------------------------------------------------------------------


def entropy_band(entropy: float) -> str:
    """Barrett's band for an entropy in percent."""
    for upper, key in ENTROPY_BANDS:
        if entropy <= upper:
            return key
    return "critical"


def _tops(counts: Mapping[str, int], top: int) -> list[str]:
    return sorted(counts, key=lambda k: (-counts[k], k))[:top]


def _entropy(
    catalogue: Mapping[str, Value], votes: Iterable[Vote]
) -> tuple[float | None, int, int]:
    current = [v for v in votes if v.lens == "current"]
    limiting = sum(1 for v in current if catalogue[v.value].limiting)
    return (limiting / len(current) * 100.0 if current else None), limiting, len(current)


def culture_report(
    catalogue: Mapping[str, Value],
    votes: Sequence[Vote],
    *,
    top: int = TOP_VALUES,
    min_group: int = MIN_GROUP,
) -> dict[str, Any]:
    """Entropy, top values, matches and jumps from the value votes of one campaign (or file)."""
    respondents = {v.respondent for v in votes}
    enough = len(respondents) >= min_group
    by_dept: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        by_dept[v.department].append(v)
    departments = []
    for dept, rows in sorted(by_dept.items()):
        n = len({v.respondent for v in rows})
        ok = enough and n >= min_group
        ent = _entropy(catalogue, rows)[0] if ok else None
        departments.append(
            {
                "department": dept,
                "respondents": n,
                "entropy": ent,
                "band": None if ent is None else entropy_band(ent),
                "reason": None if ok else SUPPRESSED_REASON,
            }
        )
    if not enough:
        return {
            "respondents": len(respondents),
            "entropy": None,
            "band": None,
            "limiting_votes": None,
            "current_votes": None,
            "shown": False,
            "reason": SUPPRESSED_REASON,
            "matches": [],
            "top_current": [],
            "top_desired": [],
            "jumps": [],
            "departments": departments,
        }
    counts: dict[str, dict[str, int]] = {"current": defaultdict(int), "desired": defaultdict(int)}
    for v in votes:
        counts[v.lens][v.value] += 1
    cur, des = counts["current"], counts["desired"]
    top_cur, top_des = _tops(cur, top), _tops(des, top)

    def row(key: str, votes_: int) -> dict[str, Any]:
        return {"value": key, "votes": votes_, "kind": catalogue[key].kind}

    entropy, limiting, total = _entropy(catalogue, votes)
    return {
        "respondents": len(respondents),
        "entropy": entropy,
        "band": None if entropy is None else entropy_band(entropy),
        "limiting_votes": limiting,
        "current_votes": total,
        "shown": True,
        "reason": None,
        "matches": [
            {
                "value": k,
                "current_votes": cur[k],
                "desired_votes": des[k],
                "kind": catalogue[k].kind,
            }
            for k in top_des
            if k in top_cur
        ],
        "top_current": [row(k, cur[k]) for k in top_cur],
        "top_desired": [row(k, des[k]) for k in top_des],
        "jumps": [
            {
                "value": k,
                "desired_votes": des[k],
                "current_votes": cur.get(k, 0),
                "kind": catalogue[k].kind,
            }
            for k in top_des
            if k not in top_cur
        ],
        "departments": departments,
    }
