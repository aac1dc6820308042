"""Reads of the executive board: the board of a month, the months that have one, and the
headline of the home page. What each KPI is and how it is computed: ``docs/board.md``.

The board reads the other domains as the system (``actor=None``) once the person holds
``board.view_board``: it shows aggregates only, to every role. The warehouse's part (answers,
interactions, promises, irritants, moments of truth) is cached until the warehouse changes;
the app's part (targets, comment, cases, alerts, initiatives, maturity, governance) is read
at each call, so a new target shows at once; an initiative's measured effect is cached
until the warehouse or the initiative changes."""

from __future__ import annotations

import copy
import datetime as dt
import json
import statistics
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from cxpilot.analytics.metrics import METRICS, metric_sums
from cxpilot.analytics.selectors import (
    CACHE_SECONDS,
    WarehouseState,
    last_full_month,
    warehouse_state,
)
from cxpilot.board import stats
from cxpilot.board.kpis import CATALOGUE, PATTERNS, Board, Kpi, Spec, spec_of
from cxpilot.board.models import BoardComment, KpiTarget
from cxpilot.kernel import periods, roles
from cxpilot.kernel.errors import CxPilotError
from cxpilot.kernel.roles import Actor

PERMISSION = "board.view_board"

#: A visit converts when the same customer record orders within this many days after it.
CONVERSION_DAYS = 7
#: The interaction types of the discovery touchpoints (awareness).
DISCOVERY_TYPES = ("social_click", "email_open", "email_click")
#: Rows of the irritants, moments of truth and initiatives sections.
TOP_IRRITANTS = 5
TOP_MOMENTS = 5
MAX_INITIATIVES = 10
#: Months of answers the moments of truth are estimated on (ending with the board's month).
MOMENT_MONTHS = 12

#: The fixed notes (translated when the board is shown: the warehouse's part is cached in no
#: language).
NO_ANSWERS = gettext_noop("no answers in this month")
NO_INTERACTIONS = gettext_noop("no interactions in this month")
REACH_NOTE = gettext_noop(
    "distinct customer records with a social click, an e-mail open or an e-mail click"
)
CONVERSION_NOTE = gettext_noop(
    "visits followed by an order of the same customer record within 7 days"
)
NO_CHURN = gettext_noop("not available: no churn model — run `cxpilot churn score`")
NO_VALUES = gettext_noop("not available: no customer values — run `cxpilot clv predict`")
TRANSACTIONAL_NOTE = gettext_noop(
    "over the touchpoints' answers; the relationship survey is apart (Relationship NPS)"
)
_NOTES = {
    NO_ANSWERS, NO_INTERACTIONS, REACH_NOTE, CONVERSION_NOTE, NO_CHURN, NO_VALUES,
    TRANSACTIONAL_NOTE,
}  # fmt: skip

#: How each voice metric is tested.
_KIND: dict[str, stats.Kind] = {"nps": "nps", "ces": "mean", "csat": "proportion"}


# --------------------------------------------------------------------------- months


def _months(month: str) -> tuple[str, str, str]:
    first = periods.parse_month(month, where="--month")
    return (
        first.strftime("%Y-%m"),
        periods.month_start(first, -1).strftime("%Y-%m"),
        periods.month_start(first, -12).strftime("%Y-%m"),
    )


def _bounds(month: str) -> tuple[dt.date, dt.date]:
    first = periods.parse_month(month)
    return first, periods.month_end(first)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def board_months() -> list[str]:
    """The months with answers in the warehouse (``YYYY-MM``), newest first: one grouped
    count, cached until the warehouse changes."""
    from django.core.cache import cache

    from cxpilot.warehouse.connection import answers, warehouse

    state = warehouse_state()
    key = state.key("board-months")
    found = cache.get(key)
    if found is None:
        with warehouse() as con:
            r = answers(con)
            rows = (
                r.group_by(month=r.timestamp.strftime("%Y-%m"))
                .aggregate(n=r.count())
                .to_pyarrow()
                .to_pylist()
            )
        found = sorted((str(row["month"]) for row in rows if row["month"]), reverse=True)
        cache.set(key, found, CACHE_SECONDS)
    return list(found)


def _default_month(state: WarehouseState) -> str:
    found = last_full_month(state=state)
    if found:
        return found
    from django.utils import timezone

    return periods.month_start(timezone.localdate(), -1).strftime("%Y-%m")


# --------------------------------------------------------------------------- building KPIs


def _kpi(key: str, **values: Any) -> Kpi:
    found = spec_of(key)
    assert found is not None, key
    spec, _named = found
    return Kpi(
        kpi=key,
        group=spec.group,
        label=spec.label,
        unit=spec.unit,
        higher_is_better=spec.higher_is_better,
        **values,
    )


def _tested(
    key: str,
    kind: stats.Kind,
    sums: Mapping[str, Mapping[str, float]],
    months: tuple[str, str, str],
    **extra: Any,
) -> Kpi:
    """A KPI whose figure has an interval and a test: ``sums`` maps a month to its sums."""
    month, prev, year = months
    now = stats.figure(kind, sums.get(month))
    before = stats.figure(kind, sums.get(prev))
    last_year = stats.figure(kind, sums.get(year))
    change = stats.compare(kind, sums.get(month), sums.get(prev))
    year_change = stats.compare(kind, sums.get(month), sums.get(year))
    return _kpi(
        key,
        value=now.value,
        ci_low=now.ci_low,
        ci_high=now.ci_high,
        n=now.n,
        previous=before.value,
        change=change.change,
        significant=change.significant,
        p_value=change.p_value,
        year_before=last_year.value,
        year_change=year_change.change,
        year_significant=year_change.significant,
        year_p_value=year_change.p_value,
        **extra,
    )


def _counted(
    key: str, counts: Mapping[str, float | None], months: tuple[str, str, str], **extra: Any
) -> Kpi:
    """A KPI that is a plain figure (a count, an amount, hours): changes, no test."""
    month, prev, year = months
    value, before, last_year = counts.get(month), counts.get(prev), counts.get(year)
    return _kpi(
        key,
        value=value,
        previous=before,
        change=stats.plain_change(value, before),
        year_before=last_year,
        year_change=stats.plain_change(value, last_year),
        **extra,
    )


def relationship_touchpoints() -> set[str]:
    """The touchpoints of the relationship survey: those outside every journey stage, once
    journeys are mapped (a touchpoint in a stage exists); none otherwise."""
    from cxpilot.organisation.models import Touchpoint

    if not Touchpoint.objects.filter(stage__isnull=False).exists():
        return set()
    return set(Touchpoint.objects.filter(stage__isnull=True).values_list("key", flat=True))


def _voice(
    months: tuple[str, str, str],
    department_of: Mapping[str, str | None],
    relationship: Collection[str] = (),
) -> list[Kpi]:
    """NPS, CES and CSAT overall and per touchpoint, from the warehouse's sums per touchpoint
    and month (one query per metric). The overall figures pool the touchpoints' answers
    only: the answers of the ``relationship`` touchpoints (a yearly survey of the whole
    relation) would make a month's figure move with the mix of surveys; their NPS is the
    ``nps.relationship`` KPI."""
    month, prev, year = months
    start, end = _bounds(year)[0], _bounds(month)[1]
    kpis: list[Kpi] = []
    for metric in METRICS:
        rows = metric_sums(metric=metric, by=["touchpoint", "month"], start=start, end=end)
        overall: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        related: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        per: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
        for row in rows:
            if row["month"] not in months:
                continue
            sums = {**{c: float(row[c]) for c in ("n", "promoters", "detractors", "total",
                                                   "total_sq")}, "successes": float(row["agree"])}  # fmt: skip
            pooled = related if row["touchpoint"] in relationship else overall
            for c, v in sums.items():
                pooled[row["month"]][c] += v
            if row["touchpoint"]:
                per[row["touchpoint"]][row["month"]] = sums
        kind = _KIND[metric]
        head = _tested(metric, kind, overall, months)
        if head.value is None:
            head.note = NO_ANSWERS
        elif relationship:
            head.note = TRANSACTIONAL_NOTE
        kpis.append(head)
        if metric == "nps" and relationship:
            kpis.append(_tested("nps.relationship", kind, related, months))
        shown = sorted(
            tp
            for tp, by in per.items()
            if (month in by or prev in by) and not (metric == "nps" and tp in relationship)
        )
        for tp in shown:
            k = _tested(
                f"{metric}.touchpoint.{tp}",
                kind,
                per[tp],
                months,
                touchpoint=tp,
                department=department_of.get(tp),
            )
            if k.value is None:
                k.note = NO_ANSWERS
            kpis.append(k)
    return kpis


def _month_col(t: Any) -> Any:
    return t.timestamp.strftime("%Y-%m")


def _outcome(months: tuple[str, str, str]) -> list[Kpi]:
    """Awareness, traffic and conversion from the ``interactions`` table."""
    from cxpilot.warehouse.connection import warehouse

    month, prev, year = months
    start, end = _bounds(year)[0], _bounds(month)[1]
    reach: dict[str, float | None] = {m: 0.0 for m in months}
    visits: dict[str, float | None] = {m: 0.0 for m in months}
    conv: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    with warehouse() as con:
        if "interactions" not in con.list_tables():
            return []
        i = con.table("interactions")
        span = (i.timestamp >= _at(start)) & (i.timestamp < _at(end + dt.timedelta(days=1)))
        t = i.filter(span).mutate(month=_month_col(i))
        t = t.filter(t.month.isin(list(months)))
        present = {
            r["month"] for r in t.group_by("month").aggregate(n=t.count()).to_pyarrow().to_pylist()
        }
        d = t.filter(t.type.isin(list(DISCOVERY_TYPES)))
        person = d.source.fill_null("") + "\x1f" + d.customer_id.fill_null("")
        for row in (
            (d.mutate(person=person).group_by("month").aggregate(n=lambda x: x.person.nunique()))
            .to_pyarrow()
            .to_pylist()
        ):
            reach[row["month"]] = float(row["n"])
        v = t.filter(t.type == "visit").mutate(ch=t.channel.fill_null(""))
        o = i.filter(
            (i.type == "order")
            & (i.timestamp >= _at(start))
            & (i.timestamp < _at(end + dt.timedelta(days=1 + CONVERSION_DAYS)))
        ).select(o_source=i.source, o_customer=i.customer_id, o_ts=i.timestamp)
        import ibis

        converted = v.semi_join(
            o,
            [
                v.source == o.o_source,
                v.customer_id == o.o_customer,
                o.o_ts >= v.timestamp,
                o.o_ts <= v.timestamp + ibis.interval(days=CONVERSION_DAYS),
            ],
        )
        totals = v.group_by(["month", "ch"]).aggregate(n=v.count()).to_pyarrow().to_pylist()
        hits = (
            converted.group_by(["month", "ch"])
            .aggregate(k=converted.count())
            .to_pyarrow()
            .to_pylist()
        )
    done = {(r["month"], r["ch"]): float(r["k"]) for r in hits}
    overall: dict[str, dict[str, float]] = defaultdict(lambda: {"n": 0.0, "successes": 0.0})
    for r in totals:
        m, ch, n = r["month"], r["ch"], float(r["n"])
        k = done.get((m, ch), 0.0)
        visits[m] = (visits[m] or 0.0) + n
        overall[m]["n"] += n
        overall[m]["successes"] += k
        conv[ch][m] = {"n": n, "successes": k}
    for m in months:
        if m not in present:  # no interaction at all that month: unknown, not zero
            reach[m] = visits[m] = None
    how = CONVERSION_NOTE
    kpis = [
        _counted("awareness.reach", reach, months,
                 note=REACH_NOTE),
        _counted("traffic.visits", visits, months),
        _tested("conversion", "proportion", overall, months, note=how),
    ]  # fmt: skip
    for ch in sorted(c for c, by in conv.items() if month in by or prev in by):
        kpis.append(
            _tested(f"conversion.channel.{ch or '-'}", "proportion", conv[ch], months, note=how)
        )
    if month not in present:
        for k in kpis:
            k.note = NO_INTERACTIONS
    return kpis


def _promises(months: tuple[str, str, str]) -> list[Kpi]:
    """Each measured brand promise: the share kept among the month's starts (or answers),
    summed over its carrying touchpoints, with its Wilson interval."""
    from cxpilot.journeys.selectors import promises_checked

    month, _prev, year = months
    try:
        found = promises_checked(actor=None, start=_bounds(year)[0], end=_bounds(month)[1])
    except CxPilotError:
        return []
    kpis = []
    for promise in found.promises:
        sums: dict[str, dict[str, float]] = defaultdict(lambda: {"n": 0.0, "successes": 0.0})
        for k in promise.by_month:
            if k.month in months:
                sums[k.month]["n"] += k.n
                sums[k.month]["successes"] += k.kept
        kpis.append(
            _tested(
                f"promise.{promise.key}",
                "proportion",
                sums,
                months,
                note=promise.statement,
            )
        )
    return kpis


def _irritants(month: str) -> list[dict[str, Any]]:
    """The month's top irritants (each touchpoint's themes ranked by NPS points at stake)."""
    from cxpilot.verbatims.selectors import Scope, irritants

    start, end = _bounds(month)
    try:
        rows = irritants(scope=Scope(start=start, end=end), each_touchpoint=True, examples=0)
    except CxPilotError:
        return []
    rows = [r for r in rows if (r.get("impact") or 0) > 0]
    rows.sort(key=lambda r: (-(r["impact"] or 0), str(r["touchpoint"]), r["theme_id"]))
    return [
        {
            "theme": r["theme_id"],
            "label": r["theme"],
            "touchpoint": r["touchpoint"],
            "n": r["mentions"],
            "share": r["share"],
            "points_at_stake": r["impact"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "initiative": None,
        }
        for r in rows[:TOP_IRRITANTS]
    ]


def _moments(month: str) -> list[dict[str, Any]]:
    """The moments of truth (outcome: a repeat purchase within 90 days) on the answers of the
    twelve months ending with ``month``, where journeys are mapped."""
    from cxpilot.journeys.selectors import moments_of_truth
    from cxpilot.organisation.models import Journey, Touchpoint

    if not Journey.objects.exists():
        return []
    first = periods.parse_month(month)
    try:
        found = moments_of_truth(
            actor=None,
            outcome="repeat",
            start=periods.month_start(first, 1 - MOMENT_MONTHS),
            end=periods.month_end(first),
        )
    except CxPilotError:
        return []
    where = {
        tp.key: (tp.stage.journey.key, tp.stage.key) if tp.stage else (None, None)
        for tp in Touchpoint.objects.select_related("stage__journey")
    }
    return [
        {
            "journey": where.get(r["touchpoint"], (None, None))[0],
            "stage": where.get(r["touchpoint"], (None, None))[1],
            "touchpoint": r["touchpoint"],
            "touchpoint_name": r["touchpoint_name"],
            "effect": r["effect"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "p_value": r["p_value"],
            "outcome": "repeat",
            "unit": found.unit,
        }
        for r in found.rows[:TOP_MOMENTS]
    ]


def _interactions_stamp() -> tuple[Any, ...]:
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        if "interactions" not in con.list_tables():
            return ()
        i = con.table("interactions")
        row = i.aggregate(n=i.count(), at=i.imported_at.max()).to_pyarrow().to_pylist()[0]
    return (row["n"], row["at"])


def _warehouse_part(state: WarehouseState, months: tuple[str, str, str]) -> dict[str, Any]:
    """The KPIs and sections read from the warehouse, cached until it changes (answers,
    customers, interactions, verbatim analyses, the promises' and journeys' definitions)."""
    from django.core.cache import cache

    from cxpilot.organisation.models import BrandPromise, Touchpoint
    from cxpilot.verbatims.selectors import data_version

    department_of = dict(Touchpoint.objects.values_list("key", "department__key"))
    promises = list(BrandPromise.objects.order_by("key").values_list("key", "statement", "measure"))
    stages = list(Touchpoint.objects.order_by("key").values_list("key", "stage_id"))
    key = state.key(
        "board", months, _interactions_stamp(), data_version(), repr(promises), stages,
        sorted(department_of.items()),
    )  # fmt: skip
    found = cache.get(key)
    if found is None:
        relationship = relationship_touchpoints()
        found = {
            "kpis": [
                *_voice(months, department_of, relationship),
                *_outcome(months),
                *_promises(months),
            ],
            "irritants": _irritants(months[0]),
            "moments": _moments(months[0]),
        }
        cache.set(key, found, CACHE_SECONDS)
    return copy.deepcopy(found)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- value domain


def _after_month(key: str, day: Any) -> Kpi:
    """A KPI computed only after the board's month: no value, the date it was computed."""
    return _kpi(key, note=gettext("computed as of %(day)s, after this month") % {"day": day})


def _churn(month: str) -> Kpi:
    """The mean churn risk of the scored persons, if the scores were computed as of
    ``month``'s end or before (else no value: a later model would use later data)."""
    from cxpilot.value.selectors import churn_scores
    from cxpilot.warehouse.connection import warehouse

    try:
        with warehouse() as con:
            s = churn_scores(con)
            row = s.aggregate(n=s.count(), risk=s.risk.mean(), model=s.model.max())
            found = row.to_pyarrow().to_pylist()[0]
    except CxPilotError:
        found = None
    if not found or not found["n"]:
        return _kpi("churn.rate", note=gettext(NO_CHURN))
    try:
        model = json.loads(found["model"] or "{}")
    except ValueError:
        model = {}
    as_of, window = model.get("as_of"), model.get("window_days")
    if as_of and str(as_of)[:10] > _bounds(month)[1].isoformat():
        return _after_month("churn.rate", str(as_of)[:10])
    note = gettext("mean churn risk of the %(n)d active persons scored") % {"n": int(found["n"])}
    if as_of:
        note += " " + gettext("as of %(day)s") % {"day": as_of}
    if window:
        note += " " + gettext("(churned: no activity in the %(days)s days after)") % {
            "days": window
        }
    return _kpi(
        "churn.rate", value=round(100 * float(found["risk"]), 2), n=int(found["n"]), note=note
    )


def _equity(month: str, year: str) -> Kpi:
    from cxpilot.value.selectors import customer_equity
    from cxpilot.warehouse.connection import warehouse

    try:
        with warehouse() as con:
            e = customer_equity(con)
            rows = e.filter(e.segment.isnull()).order_by("as_of").to_pyarrow().to_pylist()
    except CxPilotError:
        rows = []
    if not rows:
        return _kpi("value.equity", note=gettext(NO_VALUES))
    end, year_end = _bounds(month)[1], _bounds(year)[1]
    upto = [r for r in rows if r["as_of"] <= end]
    if not upto:
        return _after_month("value.equity", rows[0]["as_of"])
    now = upto[-1]
    before = upto[-2] if len(upto) > 1 else None
    last_year = next((r for r in reversed(rows) if r["as_of"] <= year_end), None)
    value = float(now["equity"])
    note = gettext("customer equity (sum of the CLV) as of %(day)s") % {"day": now["as_of"]}
    if before is not None:
        note += "; " + gettext("change against %(day)s") % {"day": before["as_of"]}
    return _kpi(
        "value.equity",
        value=value,
        ci_low=float(now["equity_low"]),
        ci_high=float(now["equity_high"]),
        n=int(now["customers"]),
        previous=float(before["equity"]) if before else None,
        change=value - float(before["equity"]) if before else None,
        year_before=float(last_year["equity"]) if last_year else None,
        year_change=value - float(last_year["equity"]) if last_year else None,
        note=note,
    )


# --------------------------------------------------------------------------- app database


def _cases(month: str) -> dict[str, Any]:
    """The closed loop of ``month``: cases opened and closed in it, those closed within
    their SLA (closed before they were due), the median hours to close, per department."""
    from cxpilot.loop.models import CaseStatus, FollowUpCase

    start, end = _bounds(month)
    since, until = _at(start), _at(end + dt.timedelta(days=1))
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    since, until = since.replace(tzinfo=tz), until.replace(tzinfo=tz)
    opened = FollowUpCase.objects.filter(opened_at__gte=since, opened_at__lt=until).count()
    closed = list(
        FollowUpCase.objects.filter(
            status=CaseStatus.CLOSED, closed_at__gte=since, closed_at__lt=until
        ).values_list("opened_at", "closed_at", "due_at", "department__key")
    )
    hours = [(c - o).total_seconds() / 3600 for o, c, _d, _k in closed]
    within = sum(1 for _o, c, d, _k in closed if c <= d)
    by_department: dict[str | None, int] = defaultdict(int)
    for *_rest, key in closed:
        by_department[key] += 1
    return {
        "opened": opened,
        "closed": len(closed),
        "within_sla": within,
        "within_sla_pct": round(100 * within / len(closed), 1) if closed else None,
        "median_hours_to_close": round(statistics.median(hours), 1) if hours else None,
        "by_department": dict(by_department),
    }


def _alerts(month: str) -> list[dict[str, Any]]:
    from cxpilot.loop.models import Alert
    from cxpilot.loop.selectors import alert_row

    start, end = _bounds(month)
    found = Alert.objects.filter(
        Q(detected_on__gte=start, detected_on__lte=end)
        | Q(detected_on__isnull=True, period__startswith=month)
    ).order_by("detected_on", "pk")
    return [alert_row(a) for a in found]


def _loop(
    months: tuple[str, str, str],
) -> tuple[list[Kpi], Kpi, dict[str, Any], list[dict[str, Any]]]:
    """The closed-loop KPIs, the effort KPI of the cases closed within their SLA, the
    ``loop`` section (with the cases closed per department) and the month's alerts."""
    month = months[0]
    cases = {m: _cases(m) for m in months}
    alerts = {m: _alerts(m) for m in months}

    def of(name: str) -> dict[str, float | None]:
        return {m: cases[m][name] for m in months}

    def share(m: str) -> dict[str, float]:
        return {"n": cases[m]["closed"], "successes": cases[m]["within_sla"]}

    kpis = [
        _counted("loop.cases_opened", of("opened"), months),
        _counted("loop.cases_closed", of("closed"), months),
        _tested("loop.within_sla_pct", "proportion", {m: share(m) for m in months}, months),
        _counted("loop.median_hours_to_close", of("median_hours_to_close"), months),
        _counted("alerts.raised", {m: float(len(alerts[m])) for m in months}, months),
    ]
    loop = {k: cases[month][k] for k in ("opened", "closed", "within_sla", "within_sla_pct",
                                         "median_hours_to_close")}  # fmt: skip
    within = _counted("effort.cases_within_sla", of("within_sla"), months)
    return kpis, within, {**loop, "by_department": cases[month]["by_department"]}, alerts[month]


def _effect(state: WarehouseState, initiative: Any, end: dt.date) -> dict[str, Any]:
    """The measured effect of a started initiative on the answers up to ``end`` (what was
    known at the board's month's end), cached until the warehouse or the initiative
    changes."""
    from django.core.cache import cache

    from cxpilot.initiatives.selectors import initiative_effect, initiative_return
    from cxpilot.warehouse.connection import answers, warehouse

    key = state.key("board-effect", initiative.pk, initiative.updated_at, end.isoformat())
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    try:
        with warehouse() as con:
            r = answers(con)
            known = r.filter(r.timestamp < _at(end + dt.timedelta(days=1)))
            effect = initiative_effect(actor=None, initiative=initiative, answers=known)
    except CxPilotError as exc:
        found = {"effect": None, "ci_low": None, "ci_high": None, "method": None,
                 "roi": None, "effect_note": str(exc)}  # fmt: skip
    else:
        e = effect.estimate
        _assumption, back = initiative_return(initiative, effect)
        found = {
            "effect": round(e.effect, 3) if e else None,
            "ci_low": round(e.ci_low, 3) if e else None,
            "ci_high": round(e.ci_high, 3) if e else None,
            "method": e.method if e else None,
            "roi": None if back is None or back.roi is None else round(back.roi, 3),
            "effect_note": effect.reason,
        }
    cache.set(key, found, CACHE_SECONDS)
    return found


def _initiatives(
    state: WarehouseState, months: tuple[str, str, str], irritants: list[dict[str, Any]]
) -> tuple[list[Kpi], list[dict[str, Any]], dict[str | None, int]]:
    """The effort KPIs of the initiatives and the initiatives section: those not dropped
    that had started by the month's end or were planned, latest first (their measured effect
    for the started ones)."""
    from cxpilot.initiatives.models import Initiative, Status
    from cxpilot.initiatives.selectors import touchpoint_keys

    month = months[0]
    end = _bounds(month)[1]
    known = Q(created_at__date__lte=end) | Q(planned_on__lte=end) | Q(started_on__lte=end)
    items = list(
        Initiative.objects.exclude(status=Status.DROPPED)
        .filter(known)
        .select_related("department")
        .prefetch_related("touchpoints")
        .order_by("-started_on", "-pk")
    )
    status = {i.pk: _status_at(i, end) for i in items}
    # irritants addressed: those of the month that an initiative under way names
    active = [i for i in items if status[i.pk] != Status.PROPOSED]
    for irritant in irritants:
        label = str(irritant["label"]).casefold()
        by = next((i for i in active if label in {t.casefold() for t in i.themes}), None)
        irritant["initiative"] = by.name if by else None
    addressed = [r for r in irritants if r["initiative"]]
    delivered = {
        m: [i for i in items if i.done_on and i.done_on <= end and i.done_on.strftime("%Y-%m") == m]
        for m in months
    }
    kpis = [
        _kpi("effort.irritants_addressed", value=float(len(addressed)),
             note=gettext("of the month's top %(n)d irritants") % {"n": TOP_IRRITANTS}),
        _kpi("effort.points_addressed",
             value=round(sum(float(r["points_at_stake"] or 0) for r in addressed), 2),
             note=gettext("NPS points at stake of the top irritants an initiative addresses")),
        _counted("effort.initiatives_delivered",
                 {m: float(len(delivered[m])) for m in months}, months),
    ]  # fmt: skip
    shown = items[:MAX_INITIATIVES]
    rows = []
    for i in shown:
        row: dict[str, Any] = {
            "id": i.pk,
            "name": i.name,
            "status": status[i.pk],
            "metric": i.metric,
            "touchpoints": touchpoint_keys(i),
            "department": i.department.key if i.department else None,
            "started": i.started_on.isoformat() if i.started_on else None,
            "done": i.done_on.isoformat() if i.done_on and i.done_on <= end else None,
            "delivered_this_month": i in delivered[month],
        }
        if i.started_on is not None and i.started_on.strftime("%Y-%m") == month:
            row.update(effect=None, ci_low=None, ci_high=None, method=None, roi=None,
                       effect_note=gettext("not measurable yet: started in this month"))  # fmt: skip
        elif i.started_on is not None and i.started_on <= end:
            row.update(_effect(state, i, end))
        else:
            row.update(effect=None, ci_low=None, ci_high=None, method=None, roi=None,
                       effect_note=gettext("not started"))  # fmt: skip
        rows.append(row)
    per_department: dict[str | None, int] = defaultdict(int)
    for i in delivered[month]:
        per_department[i.department.key if i.department else None] += 1
    return kpis, rows, dict(per_department)


def _status_at(initiative: Any, end: dt.date) -> str:
    """The status of ``initiative`` on ``end``, from its dates: done on or before it, else
    started on or before it, else proposed if it still is, else planned."""
    from cxpilot.initiatives.models import Status

    if initiative.done_on is not None and initiative.done_on <= end:
        return str(Status.DONE)
    if initiative.started_on is not None and initiative.started_on <= end:
        return str(Status.STARTED)
    if initiative.status == Status.PROPOSED:
        return str(Status.PROPOSED)
    return str(Status.PLANNED)


def _departments(
    cases_by: Mapping[str | None, int], delivered_by: Mapping[str | None, int]
) -> list[dict[str, Any]]:
    """Each department's share of the month's efforts: the follow-up cases it closed (its
    share of them, in percent) and the initiatives it delivered."""
    from cxpilot.organisation.models import Department

    names = dict(Department.objects.values_list("key", "name"))
    total = sum(cases_by.values())
    keys = sorted({*cases_by, *delivered_by}, key=lambda k: (k is None, str(k)))
    rows: list[dict[str, Any]] = [
        {
            "department": key,
            "name": names.get(key, key) if key else gettext("No department"),
            "cases_closed": cases_by.get(key, 0),
            "initiatives": delivered_by.get(key, 0),
            "share": round(100 * cases_by.get(key, 0) / total, 1) if total else None,
        }
        for key in keys
    ]
    rows.sort(key=lambda r: (-int(r["cases_closed"] + r["initiatives"]), str(r["department"])))
    return rows


def _maturity(month: str) -> dict[str, Any] | None:
    """The maturity of the latest campaign closed by ``month``'s end (its period ended, or it
    was closed, on or before that day)."""
    from cxpilot.maturity.models import Campaign
    from cxpilot.maturity.selectors import campaign_names, campaign_result

    end = _bounds(month)[1]
    campaign = (
        Campaign.objects.filter(status=Campaign.Status.CLOSED)
        .filter(Q(ends_on__lte=end) | Q(closed_at__date__lte=end))
        .order_by("-ends_on", "-starts_on", "-id")
        .first()
    )
    if campaign is None:
        return None
    report = campaign_result(campaign)
    level = report.get("overall_level")
    names = campaign_names(campaign).get("levels", {})
    return {
        "campaign": campaign.name,
        "level": level,
        "label": names.get(level) if level is not None else None,
        "closed_at": campaign.closed_at.isoformat() if campaign.closed_at else None,
    }


def _governance() -> dict[str, Any] | None:
    from cxpilot.governance.selectors import (
        governance_model_current,
        governance_model_recommendation,
    )

    _campaign, recommendation = governance_model_recommendation()
    current = governance_model_current()
    if recommendation is None and current is None:
        return None
    return {
        "recommended": recommendation.model if recommendation else None,
        "chosen": current.model if current else None,
        "chosen_on": current.chosen_on.isoformat() if current else None,
    }


# --------------------------------------------------------------------------- labels, targets


def _labelled(kpis: list[Kpi]) -> None:
    from cxpilot.organisation.models import BrandPromise, Touchpoint

    names = dict(Touchpoint.objects.values_list("key", "name"))
    promises = dict(BrandPromise.objects.values_list("key", "statement"))
    for k in kpis:
        found = spec_of(k.kpi)
        spec, named = found if found else (Spec(k.group, k.label, k.unit), None)
        label = gettext(spec.label)
        if named is not None and k.kpi.startswith("promise."):
            k.label = f"{label}: {promises.get(named, named)}"
        elif named is not None and ".touchpoint." in k.kpi:
            k.label = f"{label} — {names.get(named, named)}"
        elif named is not None:
            k.label = f"{label} — {named}"
        else:
            k.label = label
        if k.note in _NOTES:
            k.note = gettext(k.note)


def _relationship_note(kpis: list[Kpi], months: tuple[str, str, str]) -> None:
    """Why the relationship NPS has no value or no change: the survey is not monthly."""
    k = next((k for k in kpis if k.kpi == "nps.relationship"), None)
    if k is None:
        return
    month, prev, year = months
    if k.value is None:
        k.note = gettext("no relationship survey answers in %(month)s") % {"month": month}
        return
    parts = [gettext("the relationship survey's answers; it is not run every month")]
    if k.previous is None:
        parts.append(gettext("no answers in %(month)s") % {"month": prev})
    if k.year_before is None:
        parts.append(gettext("no answers in %(month)s") % {"month": year})
    k.note = "; ".join(parts)


def _targeted(kpis: list[Kpi]) -> None:
    targets = {t.kpi: t for t in KpiTarget.objects.all()}
    for k in kpis:
        t = targets.get(k.kpi)
        if t is None:
            continue
        k.target, k.tolerance = t.target, t.tolerance
        k.status = stats.status(k.value, t.target, t.tolerance, k.higher_is_better)


# --------------------------------------------------------------------------- the board


def board(*, actor: Actor, month: str | None = None) -> Board:
    """The board of ``month`` (``YYYY-MM``; default: the last complete month with data). A
    month without data gives KPIs without values, each saying why."""
    roles.require(actor, PERMISSION)
    state = warehouse_state()
    if month is None or not str(month).strip():
        month = _default_month(state)
    months = _months(str(month).strip())
    part = _warehouse_part(state, months)
    loop_kpis, within_sla, loop, alerts = _loop(months)
    effort_kpis, initiatives, delivered_by = _initiatives(state, months, part["irritants"])
    promise_kpis = [k for k in part["kpis"] if k.kpi.startswith("promise.")]
    kpis = [
        *[k for k in part["kpis"] if k.group == "voice"],
        *[k for k in part["kpis"] if k.group == "outcome"],
        _churn(months[0]),
        _equity(months[0], months[2]),
        *effort_kpis,
        within_sla,
        *promise_kpis,
        *loop_kpis,
    ]  # fmt: skip
    _labelled(kpis)
    _relationship_note(kpis, months)
    _targeted(kpis)
    comment = BoardComment.objects.filter(month=months[0]).values_list("text", flat=True).first()
    return Board(
        month=months[0],
        previous_month=months[1],
        year_before_month=months[2],
        kpis=kpis,
        irritants=part["irritants"],
        moments=part["moments"],
        alerts=alerts,
        loop=loop,
        maturity=_maturity(months[0]),
        initiatives=initiatives,
        departments=_departments(loop.pop("by_department"), delivered_by),
        governance_model=_governance(),
        rule=gettext(stats.RULE),
        comment=comment or "",
    )


#: The KPIs of the home page's headline.
HEADLINE = ("nps", "ces", "csat")


def headline(*, actor: Actor, month: str | None = None) -> list[Kpi]:
    """The few KPIs of the home page: for a department owner, first the NPS, CES and CSAT of
    the touchpoints their department owns; then the overall NPS, CES and CSAT."""
    found = board(actor=actor, month=month)
    overall = [k for key in HEADLINE if (k := found.kpi(key)) is not None]
    profile = getattr(actor, "cx_profile", None)
    department_id = getattr(profile, "department_id", None)
    if department_id is None:
        return overall
    from cxpilot.organisation.models import Touchpoint

    own = set(Touchpoint.objects.filter(department_id=department_id).values_list("key", flat=True))
    mine = [
        k
        for metric in HEADLINE
        for k in found.kpis
        if k.touchpoint in own and k.kpi.startswith(f"{metric}.touchpoint.")
    ]
    return [*mine, *overall]


__all__ = ["CATALOGUE", "PATTERNS", "board", "board_months", "headline"]
