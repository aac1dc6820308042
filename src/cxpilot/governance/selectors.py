"""Reads of governance: the RACI (as a table, as a grid with its problems), who is
Responsible for closing the loop on a touchpoint, the councils and their overdue actions,
the interim CX champion ranking, the governance model recommended and the one chosen."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from cxpilot.governance import catalogue as catalogue_data
from cxpilot.governance import engine
from cxpilot.governance.models import (
    ActionStatus,
    Activity,
    ChampionScore,
    Council,
    CouncilAction,
    GovernanceModelChoice,
    GovernanceSettings,
    RaciCell,
)
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound
from cxpilot.maturity.selectors import (
    campaign_names,
    dimension_names,
    latest_closed_result,
    latest_dimension_scores,
)
from cxpilot.organisation.models import BrandPromise, Department, Touchpoint

VIEW, EDIT = "governance.view_governance", "governance.edit_governance"


def catalogue() -> dict[str, Any]:
    """The default catalogue of CX activities (``data/activities.yaml``)."""
    return catalogue_data.load()


def close_loop_key(touchpoint_key: str) -> str:
    prefix: str = catalogue()["close_loop"]["key_prefix"]
    return f"{prefix}{touchpoint_key}"


def catalogue_missing() -> int:
    """How many catalogue activities (incl. closing the loop per touchpoint) are not stored."""
    data = catalogue()
    wanted = {a["key"] for a in data["activities"]}
    prefix = data["close_loop"]["key_prefix"]
    wanted |= {f"{prefix}{k}" for k in Touchpoint.objects.values_list("key", flat=True)}
    return len(wanted - set(Activity.objects.values_list("key", flat=True)))


def settings_get() -> GovernanceSettings:
    return GovernanceSettings.current()


def thresholds_get() -> engine.Thresholds:
    return GovernanceSettings.current().thresholds()


def raci_table() -> engine.RaciTable:
    """The stored RACI: departments (keys, in department order) and one row per activity."""
    departments = list(Department.objects.all())
    cells: dict[int, dict[str, str]] = defaultdict(dict)
    for cell in RaciCell.objects.select_related("department"):
        cells[cell.activity_id][cell.department.key] = cell.code
    return engine.RaciTable(
        departments=[d.key for d in departments],
        rows=[
            engine.RaciRow(activity=a.key, name=a.name, cells=cells.get(a.pk, {}))
            for a in Activity.objects.select_related("touchpoint")
        ],
    )


def raci_rows() -> tuple[list[engine.RaciRow], list[str]]:
    table = raci_table()
    return table.rows, table.departments


def raci_problems() -> list[engine.Problem]:
    rows, departments = raci_rows()
    return engine.raci_check(rows, departments, thresholds_get())


def responsible_department(touchpoint_key: str) -> Department | None:
    """The department Responsible (R, alone or in a combination such as ``A/R``) for closing
    the loop on a touchpoint, or None when the RACI names none.

    When several departments are Responsible, the first in department order (by name) is
    returned; the RACI check does not flag that, since several doers are allowed.
    """
    cells = (
        RaciCell.objects.filter(activity__touchpoint__key=touchpoint_key)
        .select_related("department")
        .order_by("department__name", "department__key")
    )
    for cell in cells:
        letters = engine.parse_code(cell.code)
        if letters and "R" in letters:
            return cell.department
    return None


# --------------------------------------------------------------------------- grid


@dataclass
class GridCell:
    department: Department
    code: str
    problems: list[engine.Problem] = field(default_factory=list)


@dataclass
class GridRow:
    activity: Activity
    cells: list[GridCell]
    problems: list[engine.Problem] = field(default_factory=list)


@dataclass
class Grid:
    departments: list[Department]
    rows: list[GridRow]
    problems: list[engine.Problem]
    #: department key → its problems (overloaded, idle)
    column_problems: dict[str, list[engine.Problem]]
    thresholds: engine.Thresholds
    missing_activities: int
    activity_names: dict[str, str]
    department_names: dict[str, str]


def raci_grid(*, actor: Any) -> Grid:
    """The RACI as the page shows it: each problem attached to its cell, row or column."""
    roles.require(actor, VIEW)
    departments = list(Department.objects.all())
    activities = list(Activity.objects.select_related("touchpoint"))
    codes = {(c.activity_id, c.department_id): c.code for c in RaciCell.objects.all()}
    thresholds = thresholds_get()
    rows = [
        engine.RaciRow(
            activity=a.key,
            name=a.name,
            cells={d.key: codes.get((a.pk, d.pk), "") for d in departments},
        )
        for a in activities
    ]
    problems = engine.raci_check(rows, [d.key for d in departments], thresholds)
    by_cell: dict[tuple[str | None, str | None], list[engine.Problem]] = defaultdict(list)
    for problem in problems:
        by_cell[(problem.activity, problem.department)].append(problem)
    grid_rows = [
        GridRow(
            activity=a,
            cells=[
                GridCell(d, codes.get((a.pk, d.pk), ""), by_cell.get((a.key, d.key), []))
                for d in departments
            ],
            problems=by_cell.get((a.key, None), []),
        )
        for a in activities
    ]
    return Grid(
        departments=departments,
        rows=grid_rows,
        problems=problems,
        column_problems={d.key: by_cell.get((None, d.key), []) for d in departments},
        thresholds=thresholds,
        missing_activities=catalogue_missing(),
        activity_names={a.key: a.name for a in activities},
        department_names={d.key: d.name for d in departments},
    )


# --------------------------------------------------------------------------- council


def council_list(*, actor: Any) -> list[Council]:
    roles.require(actor, VIEW)
    today = timezone.localdate()
    return list(
        Council.objects.annotate(
            member_count=Count("members", distinct=True),
            overdue_count=Count(
                "actions",
                filter=Q(actions__status=ActionStatus.OPEN, actions__due_date__lt=today),
                distinct=True,
            ),
        )
    )


def council_get(*, actor: Any, pk: int) -> Council:
    roles.require(actor, VIEW)
    found = Council.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no council {pk}")
    return found


def overdue_actions(*, council: Council, today: dt.date | None = None) -> list[CouncilAction]:
    """Open actions past their due date, the most overdue first."""
    day = today or timezone.localdate()
    return list(
        council.actions.filter(status=ActionStatus.OPEN, due_date__lt=day)
        .select_related("department")
        .order_by("due_date", "pk")
    )


#: The Gartner 2019 survey of CX leaders, as the French trade press reported it: whom the CxO (Chief
#: Experience Officer) and the CCO (Chief Customer Officer) report to, in % of organisations.
#: The rest of each column is not split out by the source.
GARTNER_2019 = {
    "cxo": {"ceo": 46, "coo": 22, "cmo": 21},
    "cco": {"ceo": 36, "coo": 36, "cmo": 18},
}


# --------------------------------------------------------------------------- champion

_KIND_WORDS = (
    ("cx", ("experience", "expérience", "cx")),
    ("marketing", ("marketing", "marque", "brand")),
    ("customer_service", ("service", "support", "care")),
    ("product", ("product", "produit")),
    ("sales", ("sales", "vente", "commercial", "commerce")),
    ("it", ("dsi", "it", "informatique", "information", "data", "digital")),
    ("operations", ("operation", "opération", "logisti", "magasin", "store", "supply")),
)

#: Suggested scores (0–5) per kind of department, before the user sets them
#: (marketing owns the brand promise, personas and *most* customer data — CRM, qualitative
#: and quantitative research, awareness, focus groups, social media — so it alone scores 5
#: on customer data; customer service has customer data and much feedback; product is
#: closest to product quality).
SUGGESTED_SCORES: dict[str, dict[str, int]] = {
    "marketing": {
        "customer_data": 5,
        "brand_promise": 5,
        "operational_kpis": 2,
        "product_quality": 1,
        "capacity": 3,
    },
    "customer_service": {
        "customer_data": 4,
        "brand_promise": 1,
        "operational_kpis": 5,
        "product_quality": 2,
        "capacity": 2,
    },
    "product": {
        "customer_data": 2,
        "brand_promise": 2,
        "operational_kpis": 2,
        "product_quality": 5,
        "capacity": 3,
    },
    "sales": {
        "customer_data": 3,
        "brand_promise": 1,
        "operational_kpis": 3,
        "product_quality": 1,
        "capacity": 2,
    },
    "operations": {
        "customer_data": 1,
        "brand_promise": 1,
        "operational_kpis": 4,
        "product_quality": 3,
        "capacity": 2,
    },
    "it": {
        "customer_data": 4,
        "brand_promise": 0,
        "operational_kpis": 2,
        "product_quality": 2,
        "capacity": 2,
    },
    "cx": {
        "customer_data": 4,
        "brand_promise": 3,
        "operational_kpis": 3,
        "product_quality": 2,
        "capacity": 4,
    },
    "other": {
        "customer_data": 1,
        "brand_promise": 1,
        "operational_kpis": 1,
        "product_quality": 1,
        "capacity": 2,
    },
}
MANUAL_CRITERIA = (
    "customer_data",
    "brand_promise",
    "operational_kpis",
    "product_quality",
    "capacity",
)


def guess_kind(department: Department) -> str:
    """The kind of a department from the words of its key and name (a suggestion)."""
    tokens = re.findall(r"\w+", f"{department.key.replace('_', ' ')} {department.name}".lower())
    for kind, words in _KIND_WORDS:
        if any(t == w or (len(w) > 3 and t.startswith(w)) for t in tokens for w in words):
            return kind
    return "other"


def brand_promise_shares() -> dict[int, int]:
    """department id → how many brand-promise touchpoints it owns (organisation model)."""
    counts: dict[int, int] = defaultdict(int)
    for promise in BrandPromise.objects.prefetch_related("touchpoints"):
        for touchpoint in promise.touchpoints.all():
            if touchpoint.department_id is not None:
                counts[touchpoint.department_id] += 1
    return dict(counts)


def suggested_scores(department: Department, kind: str, shares: dict[int, int]) -> dict[str, int]:
    scores = dict(SUGGESTED_SCORES.get(kind, SUGGESTED_SCORES["other"]))
    if shares:
        scores["brand_promise"] = round(5 * shares.get(department.pk, 0) / max(shares.values()))
    return scores


def maturity_dimension_scores() -> dict[str, float] | None:
    """The latest maturity scores per dimension (0–100), or None without a closed campaign."""
    return latest_dimension_scores()


@dataclass
class ChampionRow:
    department: Department
    kind: str
    scores: dict[str, float | None]
    saved: bool
    ranked: engine.Ranked


@dataclass
class ChampionView:
    rows: list[ChampionRow]
    weights: dict[str, float]
    weakest: list[str]
    weakest_names: list[str]
    dimension_scores: dict[str, float] | None
    business_model: str
    has_cx_team: bool


def champion_view(*, actor: Any) -> ChampionView:
    """Every department ranked as interim CX champion, with each criterion's contribution."""
    roles.require(actor, VIEW)
    gov = GovernanceSettings.current()
    weights = gov.weights()
    stored = {s.department_id: s for s in ChampionScore.objects.all()}
    shares = brand_promise_shares()
    dims = maturity_dimension_scores()
    weakest = engine.weakest_dimensions(dims) if dims else []
    candidates: list[engine.Candidate] = []
    info: dict[str, tuple[Department, str, dict[str, float | None], bool]] = {}
    for department in Department.objects.all():
        score = stored.get(department.pk)
        if score is not None:
            kind = score.kind
            manual = {c: int(getattr(score, c)) for c in MANUAL_CRITERIA}
        else:
            kind = guess_kind(department)
            manual = suggested_scores(department, kind, shares)
        scores: dict[str, float | None] = {c: float(v) for c, v in manual.items()}
        scores["maturity_fit"] = engine.maturity_fit(kind, weakest)
        scores["business_model_fit"] = engine.business_model_fit(kind, gov.business_model)
        candidates.append(engine.Candidate(department.key, department.name, scores))
        info[department.key] = (department, kind, scores, score is not None)
    rows = []
    for ranked in engine.champion_rank(candidates, weights):
        department, kind, scores, saved = info[ranked.key]
        rows.append(ChampionRow(department, kind, scores, saved, ranked))
    return ChampionView(
        rows=rows,
        weights=weights,
        weakest=weakest,
        weakest_names=[dimension_names().get(d, d) for d in weakest],
        dimension_scores=dims,
        business_model=gov.business_model,
        has_cx_team=gov.has_cx_team,
    )


# --------------------------------------------------------------------------- governance model


@dataclass
class ModelView:
    """The governance model: what the latest closed maturity campaign recommends, and what
    the CX lead recorded."""

    #: The campaign read (None: no closed maturity campaign yet).
    campaign: Any
    #: The recommendation (None: no campaign, or its scores are hidden).
    recommendation: engine.ModelRecommendation | None
    #: The current choice (None: nothing recorded yet) and every choice, latest first.
    current: GovernanceModelChoice | None
    history: list[GovernanceModelChoice]
    #: Level number → name and dimension key → name, from the campaign's model.
    level_names: dict[Any, str] = field(default_factory=dict)
    dimension_names: dict[Any, str] = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        """The recorded model is not the recommended one (both known)."""
        return (
            self.recommendation is not None
            and self.current is not None
            and self.current.model != self.recommendation.model
        )


def governance_model_recommendation() -> tuple[Any, engine.ModelRecommendation | None]:
    """The latest closed maturity campaign (or None) and the governance model it recommends
    (None without a campaign, or when its scores are hidden: fewer than 5 respondents)."""
    found = latest_closed_result()
    if found is None:
        return None, None
    campaign, report = found
    facts = engine.maturity_facts(report)
    if facts is None:
        return campaign, None
    has_team = GovernanceSettings.current().has_cx_team
    return campaign, engine.governance_model_recommend(facts, has_cx_team=has_team)


def governance_model_current() -> GovernanceModelChoice | None:
    """The governance model in force: the latest one recorded, or None."""
    return GovernanceModelChoice.objects.select_related("recorded_by").first()


def governance_model_view(*, actor: Any) -> ModelView:
    roles.require(actor, VIEW)
    campaign, recommendation = governance_model_recommendation()
    history = list(GovernanceModelChoice.objects.select_related("recorded_by"))
    names = campaign_names(campaign) if campaign is not None else {}
    return ModelView(
        campaign=campaign,
        recommendation=recommendation,
        current=history[0] if history else None,
        history=history,
        level_names=names.get("levels", {}),
        dimension_names=names.get("dimensions", {}),
    )
