"""Reads of the initiatives domain: the initiatives, their settings, the department the
RACI proposes, the measured effect and return, and the ranked backlog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from cxpilot.initiatives import stats
from cxpilot.initiatives.effect import Effect, measure
from cxpilot.initiatives.models import Initiative, InitiativeSettings, Status
from cxpilot.kernel import roles
from cxpilot.kernel.errors import CxPilotError, NotFound, ValidationError
from cxpilot.kernel.roles import Actor

VIEW = "initiatives.view_initiative"
#: The width of each metric's scale, to compare expected changes across metrics.
SCALE = {"nps": 200.0, "ces": 6.0, "csat": 4.0}
#: Days of answers counted as an initiative's reach, back from the latest answer.
REACH_DAYS = 365


def initiative_list(*, actor: Actor) -> QuerySet[Initiative]:
    roles.require(actor, VIEW)
    return Initiative.objects.select_related("department", "council").prefetch_related(
        "touchpoints"
    )


def initiative_get(*, actor: Actor, pk: int) -> Initiative:
    roles.require(actor, VIEW)
    found = initiative_list(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no initiative with id {pk}", where="initiative")
    return found


def initiative_row(i: Initiative) -> dict[str, Any]:
    """An initiative as a JSON-ready row (the CLI's and the API's)."""
    return {
        "id": i.pk,
        "name": i.name,
        "status": i.status,
        "metric": i.metric,
        "touchpoints": touchpoint_keys(i),
        "themes": list(i.themes),
        "expected_change": i.expected_change,
        "department": i.department.key if i.department else None,
        "effort": i.effort,
        "person_days": i.person_days,
        "cost_one_off": float(i.cost_one_off),
        "cost_monthly": float(i.cost_monthly),
        "expected_return": float(i.expected_return) if i.expected_return is not None else None,
        "customers_reached": i.customers_reached,
        "planned_on": i.planned_on,
        "started_on": i.started_on,
        "done_on": i.done_on,
        "source": i.source,
        "council": i.council_id,
    }


def settings_get() -> InitiativeSettings:
    """The one settings row (created with the defaults the first time)."""
    found, _created = InitiativeSettings.objects.get_or_create(pk=1)
    return found


def touchpoint_keys(initiative: Initiative) -> list[str]:
    return sorted(t.key for t in initiative.touchpoints.all())


def proposed_department(keys: list[str]) -> Any:
    """The department to own an initiative on these touchpoints: the first one the
    governance RACI makes Responsible for one of them, else the first touchpoint's own
    department (None when neither exists)."""
    from cxpilot.governance.selectors import responsible_department
    from cxpilot.organisation.models import Touchpoint

    for key in keys:
        found = responsible_department(key)
        if found is not None:
            return found
    for tp in Touchpoint.objects.filter(key__in=keys).select_related("department"):
        if tp.department is not None:
            return tp.department
    return None


def initiative_effect(
    *, actor: Actor, initiative: Initiative, window: int | None = None, answers: Any = None
) -> Effect:
    """The measured effect of ``initiative`` on its KPI from its start day (see
    :mod:`cxpilot.initiatives.effect`), over the warehouse's answers (or ``answers``, an
    Ibis table of the same shape)."""
    roles.require(actor, VIEW)
    if initiative.started_on is None:
        raise ValidationError(
            "the initiative has not started: give its start date to measure its effect",
            where="started_on",
        )
    window = window or settings_get().window_months
    if not 2 <= window <= 36:
        raise ValidationError("a window of 2 to 36 months", where="--window")
    touched = touchpoint_keys(initiative)
    if answers is not None:
        return measure(
            answers,
            touched=touched,
            metric=initiative.metric,
            start=initiative.started_on,
            window=window,
        )
    from cxpilot.warehouse.connection import answers as counted
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        return measure(
            counted(con),
            touched=touched,
            metric=initiative.metric,
            start=initiative.started_on,
            window=window,
        )


@dataclass(frozen=True)
class Assumption:
    """What turns a KPI effect into money, as shown beside the return: the value of one KPI
    point per customer per year and where it comes from (``basis``: ``data`` when the
    customer-value work gives it, with its interval, else ``assumption``, the editable
    setting), the customers reached (``customers_basis``: ``initiative``, its own figure;
    ``data``, the distinct customers answering on its touchpoints over the last 12 months;
    ``none``) and the months of return counted."""

    value_per_point: float
    customers: int | None
    months: int
    basis: str = "assumption"
    value_ci_low: float | None = None
    value_ci_high: float | None = None
    customers_basis: str = "initiative"
    #: the editable value per point of the settings (used when the data cannot give one)
    setting: float = 0.0
    #: how the data valued a point (:meth:`cxpilot.value.selectors.KpiPointValue.as_dict`)
    valuation: dict[str, Any] | None = None
    #: why the data could not value a point ("" when it did, or was not asked)
    note: str = ""


def _valued(initiative: Initiative) -> tuple[Any, int | None, str]:
    """The data's value of a KPI point on the initiative's touchpoints (None, with the reason,
    when it cannot give one) and the customers answering on them over the last 12 months."""
    from cxpilot.value.selectors import kpi_point_value
    from cxpilot.warehouse.connection import warehouse

    keys = touchpoint_keys(initiative)
    if not keys:
        return None, None, "the initiative has no touchpoint"
    try:
        with warehouse() as con:
            found = kpi_point_value(con, metric=initiative.metric, touchpoints=keys)
    except CxPilotError as exc:
        return None, _persons_reached(keys), exc.detail
    return found, found.customers, ""


def _persons_reached(keys: list[str]) -> int | None:
    """Distinct persons answering on ``keys`` in the :data:`REACH_DAYS` days to their latest
    answer (None without answers)."""
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.warehouse.connection import answers, warehouse

    try:
        with warehouse() as con:
            r = answers_with_person(con, answers(con))
            r = r.filter(r.touchpoint.isin(keys))
            latest = r.timestamp.max().to_pyarrow().as_py()
            if latest is None:
                return None
            r = r.filter(r.timestamp > latest - dt.timedelta(days=REACH_DAYS))
            return int(r.select("person").distinct().count().to_pyarrow().as_py())
    except CxPilotError:
        return None


def initiative_return(
    initiative: Initiative, effect: Effect | None, *, from_data: bool = True
) -> tuple[Assumption, stats.Return | None]:
    """The return of the measured effect against the initiative's cost, with what turned
    the effect into money (:class:`Assumption`). The value of a KPI point comes from the data
    where it can (``from_data``; :func:`cxpilot.value.selectors.kpi_point_value`: the KPI's
    relation to churn on the touchpoints × the mean 12-month margin of their customers),
    else from the editable setting. None without an estimate, a value per point or the
    customers reached."""
    s = settings_get()
    setting = float(getattr(s, f"value_{initiative.metric}"))
    found, reach, note = _valued(initiative) if from_data else (None, None, "")
    customers, customers_basis = initiative.customers_reached, "initiative"
    if not customers:
        customers, customers_basis = reach, "data" if reach else "none"
    value_ci: tuple[float, float] | None = None
    if found is not None:
        value_ci = (float(found.value.ci_low), float(found.value.ci_high))
        assumption = Assumption(
            value_per_point=float(found.value.value),
            customers=customers,
            months=s.horizon_months,
            basis="data",
            value_ci_low=value_ci[0],
            value_ci_high=value_ci[1],
            customers_basis=customers_basis,
            setting=setting,
            valuation=found.as_dict(),
        )
    else:
        assumption = Assumption(
            value_per_point=setting,
            customers=customers,
            months=s.horizon_months,
            customers_basis=customers_basis,
            setting=setting,
            note=note,
        )
    e = effect.estimate if effect is not None else None
    if e is None or not assumption.value_per_point or not assumption.customers:
        return assumption, None
    return assumption, stats.roi(
        effect=e.effect,
        ci_low=e.ci_low,
        ci_high=e.ci_high,
        value_per_point=assumption.value_per_point,
        customers=assumption.customers,
        months=assumption.months,
        cost_one_off=float(initiative.cost_one_off),
        cost_monthly=float(initiative.cost_monthly),
        value_ci=value_ci,
    )


def return_dict(assumption: Assumption, returned: stats.Return | None) -> dict[str, Any]:
    """The return as JSON (the CLI's ``initiatives effect`` and the API)."""

    def r(x: float | None, digits: int = 2) -> float | None:
        return None if x is None else round(float(x), digits)

    return {
        "return": r(returned.value) if returned else None,
        "return_ci_low": r(returned.value_low) if returned else None,
        "return_ci_high": r(returned.value_high) if returned else None,
        "cost": r(returned.cost) if returned else None,
        "net": r(returned.net) if returned else None,
        "roi": r(returned.roi, 4) if returned else None,
        "basis": assumption.basis,
        "value_per_point": r(assumption.value_per_point),
        "value_per_point_ci_low": r(assumption.value_ci_low),
        "value_per_point_ci_high": r(assumption.value_ci_high),
        "customers_reached": assumption.customers,
        "customers_basis": assumption.customers_basis,
        "months": assumption.months,
        "valuation": assumption.valuation,
        "basis_note": assumption.note or None,
    }


# --------------------------------------------------------------------------- backlog


@dataclass
class Backlog:
    rows: list[dict[str, Any]]
    weights: tuple[float, float, float, float]
    #: irritants no initiative addresses, by NPS points at stake (label, impact, mentions)
    open_irritants: list[dict[str, Any]]
    #: why the points at stake are missing ("" when they are there)
    stake_note: str


def _irritants() -> tuple[list[dict[str, Any]], str]:
    from cxpilot.verbatims.selectors import irritants

    try:
        return irritants(examples=0), ""
    except CxPilotError as exc:
        return [], str(exc)


def _reach(keys: set[str]) -> dict[str, int]:
    """Answers of the last :data:`REACH_DAYS` days of data per touchpoint of ``keys``."""
    if not keys:
        return {}
    from cxpilot.warehouse.connection import answers, warehouse

    with warehouse() as con:
        r = answers(con)
        latest = r.timestamp.max().to_pyarrow().as_py()
        if latest is None:
            return {}
        since = latest - dt.timedelta(days=REACH_DAYS)
        r = r.filter(r.touchpoint.isin(sorted(keys)), r.timestamp > since)
        frame = r.group_by("touchpoint").aggregate(n=r.count()).to_pandas()
    return {str(k): int(v) for k, v in zip(frame["touchpoint"], frame["n"], strict=True)}


def backlog(*, actor: Actor) -> Backlog:
    """The initiatives not done nor dropped, ranked by the backlog score of
    :func:`cxpilot.initiatives.stats.backlog_scores` with the settings' weights: NPS points at
    stake of the irritants they address (verbatim analytics), reach (answers of their
    touchpoints over the last year of data), expected change (as a share of the metric's
    scale) and effort."""
    items = [
        i for i in initiative_list(actor=actor) if i.status not in (Status.DONE, Status.DROPPED)
    ]
    s = settings_get()
    weights = (s.weight_stake, s.weight_reach, s.weight_effect, s.weight_effort)
    found, note = _irritants()
    impact = {str(r["theme"]).casefold(): r for r in found}
    addressed = {t.casefold() for i in items for t in i.themes}
    keys = {k: touchpoint_keys(i) for i in items for k in [i.pk]}
    reach_by = _reach({k for ks in keys.values() for k in ks})
    stakes: list[float | None] = []
    reaches: list[float | None] = []
    effects: list[float | None] = []
    for i in items:
        matched = [impact[t.casefold()] for t in i.themes if t.casefold() in impact]
        stakes.append(sum(float(m["impact"] or 0) for m in matched) if matched else None)
        reaches.append(float(sum(reach_by.get(k, 0) for k in keys[i.pk])))
        effects.append(
            abs(i.expected_change) / SCALE[i.metric] if i.expected_change is not None else None
        )
    ranked = stats.backlog_scores(
        stake=stakes,
        reach=reaches,
        effect=effects,
        effort=[i.effort for i in items],
        weights=weights,
    )
    rows = [
        {
            "id": i.pk,
            "name": i.name,
            "initiative": i,
            "status": i.status,
            "metric": i.metric,
            "touchpoints": keys[i.pk],
            "points_at_stake": None if st is None else round(st, 2),
            "reach": int(re or 0),
            "expected_change": i.expected_change,
            "effort": i.effort,
            "score": round(r.score, 3),
            "quick_win": r.quick_win,
        }
        for i, st, re, r in zip(items, stakes, reaches, ranked, strict=True)
    ]
    rows.sort(key=lambda row: (-row["score"], row["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    open_irritants = [
        {"theme": r["theme"], "impact": r["impact"], "mentions": r["mentions"]}
        for r in found
        if str(r["theme"]).casefold() not in addressed and (r["impact"] or 0) > 0
    ][:10]
    return Backlog(rows, weights, open_irritants, note)
