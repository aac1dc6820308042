"""Reads of follow-up cases (scoped to what the user may see), the loop's KPIs, and alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from cxpilot.customers.selectors import person_of_record
from cxpilot.kernel import periods, roles
from cxpilot.loop.models import Alert, AlertMethod, CaseKind, CaseStatus, FollowUpCase


def visible_cases(*, actor: Any) -> QuerySet[FollowUpCase]:
    """All cases for the CX lead; a department owner's department's cases; else none."""
    roles.require(actor, "loop.view_followupcase")
    cases = FollowUpCase.objects.select_related("department", "assignee")
    if roles.may(actor, "loop.change_followupcase"):
        return cases
    profile = getattr(actor, "cx_profile", None)
    if profile is None or profile.department_id is None:
        return cases.none()
    return cases.filter(department_id=profile.department_id)


#: How a case list may be sorted: the key a user picks → the fields, newest first by default
#: (a retention case has no score: last either way).
CASE_SORTS: dict[str, tuple[Any, ...]] = {
    "-opened": ("-opened_at", "-pk"),
    "opened": ("opened_at", "pk"),
    "due": ("due_at", "pk"),
    "-due": ("-due_at", "-pk"),
    "score": (F("score").asc(nulls_last=True), "-opened_at", "-pk"),
    "-score": (F("score").desc(nulls_last=True), "-opened_at", "-pk"),
    "touchpoint": ("touchpoint", "-opened_at", "-pk"),
    "department": ("department__name", "-opened_at", "-pk"),
}
#: Ages of a case (since it opened): the key → (at least, less than) that many hours.
CASE_AGES = {
    "day": (0, 24),
    "week": (24, 24 * 7),
    "month": (24 * 7, 24 * 30),
    "older": (24 * 30, None),
}
#: ``assignee`` values that are not a username.
UNASSIGNED, ME = "none", "me"


def case_list(
    *,
    actor: Any,
    status: str = "",
    department: str = "",
    overdue: bool = False,
    touchpoint: str = "",
    assignee: str = "",
    age: str = "",
    sort: str = "-opened",
    kind: str = "",
) -> QuerySet[FollowUpCase]:
    """The cases ``actor`` sees, filtered (each filter optional) and sorted (:data:`CASE_SORTS`).
    ``assignee`` is a username, ``me`` or ``none`` (unassigned); ``age`` a key of
    :data:`CASE_AGES`; ``kind`` ``answer`` or ``retention``."""
    from cxpilot.kernel.errors import ValidationError

    cases = visible_cases(actor=actor)
    if status:
        if status not in CaseStatus.values:
            raise ValidationError(
                f"the status is one of {', '.join(CaseStatus.values)}, not {status!r}",
                where="status",
            )
        cases = cases.filter(status=status)
    if kind:
        if kind not in CaseKind.values:
            raise ValidationError(
                f"the kind is one of {', '.join(CaseKind.values)}, not {kind!r}", where="kind"
            )
        cases = cases.filter(kind=kind)
    if department:
        cases = cases.filter(department__key=department)
    if touchpoint:
        cases = cases.filter(touchpoint=touchpoint)
    if assignee == UNASSIGNED:
        cases = cases.filter(assignee__isnull=True)
    elif assignee == ME:
        cases = cases.filter(assignee_id=getattr(actor, "pk", None))
    elif assignee:
        cases = cases.filter(assignee__username=assignee)
    now = timezone.now()
    if age:
        if age not in CASE_AGES:
            raise ValidationError(
                f"the age is one of {', '.join(CASE_AGES)}, not {age!r}", where="age"
            )
        least, less = CASE_AGES[age]
        cases = cases.filter(opened_at__lte=now - dt.timedelta(hours=least))
        if less is not None:
            cases = cases.filter(opened_at__gt=now - dt.timedelta(hours=less))
    if overdue:
        cases = cases.exclude(status=CaseStatus.CLOSED).filter(due_at__lt=now)
    if sort not in CASE_SORTS:
        raise ValidationError(
            f"the sort is one of {', '.join(CASE_SORTS)}, not {sort!r}", where="sort"
        )
    return cases.order_by(*CASE_SORTS[sort])


def case_rows(cases: Iterable[FollowUpCase]) -> list[dict[str, Any]]:
    """Cases as rows for a CSV or JSON export (times in UTC, ISO 8601)."""
    return [
        {
            "id": c.pk,
            "opened_at": c.opened_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "due_at": c.due_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "status": c.status,
            "department": c.department.key if c.department else None,
            "touchpoint": c.touchpoint,
            "metric": c.metric,
            "score": c.score,
            "customer_id": c.customer_id,
            "assignee": c.assignee.username if c.assignee else None,
            "source": c.source,
            "response_id": c.response_id,
            "answered_at": c.answered_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "closed_at": (
                c.closed_at.astimezone(dt.UTC).isoformat(timespec="seconds")
                if c.closed_at
                else None
            ),
            "root_cause": c.root_cause or None,
            "escalated_at": (
                c.escalated_at.astimezone(dt.UTC).isoformat(timespec="seconds")
                if c.escalated_at
                else None
            ),
            "verbatim": c.verbatim,
            "kind": c.kind,
            "reason": c.reason or None,
        }
        for c in cases
    ]


def case_get(*, actor: Any, pk: int) -> FollowUpCase:
    from cxpilot.kernel.errors import NotFound

    found = visible_cases(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("no such case, or not one of your department's", where=f"case {pk}")
    return found


def case_kpis(*, actor: Any, days: int = 30) -> dict[str, Any]:
    """Volume, SLA breaches and time to close over the last ``days`` (of what ``actor`` sees)."""
    cases = visible_cases(actor=actor)
    now = until = timezone.now()
    # the window ends now, or at the last thing done on a case when nothing was done for a
    # day: a history that stopped (imported answers, the demo company) still shows how its
    # cases went
    done = cases.aggregate(opened=Max("opened_at"), closed=Max("closed_at"))
    latest = max((t for t in done.values() if t is not None), default=None)
    if latest is not None and latest < now - dt.timedelta(days=1):
        until = latest
    since = until - dt.timedelta(days=days)
    open_cases = cases.exclude(status=CaseStatus.CLOSED)
    closed = list(
        cases.filter(
            status=CaseStatus.CLOSED, closed_at__gte=since, closed_at__lte=until
        ).values_list("opened_at", "closed_at", "due_at")
    )
    hours = [(c - o).total_seconds() / 3600 for o, c, _ in closed]
    late_closed = sum(1 for _, c, d in closed if c > d)
    return {
        "opened": cases.filter(opened_at__gte=since, opened_at__lte=until).count(),
        "open": open_cases.count(),
        "overdue": open_cases.filter(due_at__lt=now).count(),
        "closed": len(closed),
        "closed_late": late_closed,
        "sla_breach_rate": round(100 * late_closed / len(closed), 1) if closed else None,
        "median_hours_to_close": round(median(hours), 1) if hours else None,
        "days": days,
        "until": until,
        "by_department": [
            {
                "department": row["department__key"],
                "name": row["department__name"],
                "opened": row["opened"],
                "open": row["open"],
                "overdue": row["overdue"],
            }
            for row in cases.values("department__key", "department__name")
            .annotate(
                opened=Count("pk", filter=Q(opened_at__gte=since, opened_at__lte=until)),
                open=Count("pk", filter=~Q(status=CaseStatus.CLOSED)),
                overdue=Count("pk", filter=~Q(status=CaseStatus.CLOSED) & Q(due_at__lt=now)),
            )
            .order_by("department__name")
        ],
    }


def alert_list(
    *,
    actor: Any,
    since: dt.date | None = None,
    touchpoint: str = "",
    metric: str = "",
    method: str = "",
) -> QuerySet[Alert]:
    """Every alert raised so far, the latest detected first: those detected on or after
    ``since``, of one touchpoint, metric (nps, ces, csat) or method (period, cusum)."""
    from cxpilot.kernel.errors import ValidationError

    roles.require(actor, "loop.view_alert")
    if metric and metric not in ("nps", "ces", "csat"):
        raise ValidationError(f"unknown metric {metric!r}; use nps, ces or csat", where="--metric")
    if method and method not in AlertMethod.values:
        raise ValidationError(
            f"unknown method {method!r}; use {' or '.join(AlertMethod.values)}", where="--method"
        )
    alerts = Alert.objects.all()
    if since is not None:
        alerts = alerts.filter(detected_on__gte=since)
    if touchpoint:
        alerts = alerts.filter(touchpoint=touchpoint)
    if metric:
        alerts = alerts.filter(metric=metric)
    if method:
        alerts = alerts.filter(method=method)
    return alerts.order_by(F("detected_on").desc(nulls_last=True), "-raised_at", "-pk")


def open_alerts(*, actor: Any) -> int:
    """How many alerts no one has acknowledged yet."""
    roles.require(actor, "loop.view_alert")
    return Alert.objects.filter(acknowledged_at__isnull=True).count()


#: The customer's answers shown on a case.
CUSTOMER_ANSWERS = 20


@dataclass(frozen=True)
class CaseCustomer:
    """Who the case's customer is (from the customer base, when it knows them) and what they
    answered before and since (newest first, each with its own case if it opened one)."""

    contact: dict[str, Any] | None
    answers: list[dict[str, Any]] = field(default_factory=list)
    #: The person the case's record was resolved into (the customer 360), if any.
    person_id: str | None = None


def case_customer(*, actor: Any, case: FollowUpCase) -> CaseCustomer:
    """The contact details and the answers of the case's customer (two small warehouse
    queries on the customer's id). A warehouse that cannot be read gives an empty view."""
    from cxpilot.kernel.errors import CxPilotError
    from cxpilot.warehouse.connection import warehouse

    roles.require(actor, "loop.view_followupcase")
    try:
        with warehouse() as con:
            c = con.table("customers")
            people = (
                c.filter(c.customer_id == case.customer_id)
                .select("source", "first_name", "last_name", "email", "phone", "city", "segment")
                .limit(10)
                .to_pyarrow()
                .to_pylist()
            )
            r = con.table("responses")
            answers = (
                r.filter(r.customer_id == case.customer_id)
                .order_by([r.timestamp.desc(), r.response_id])
                .select("source", "response_id", "timestamp", "touchpoint", "metric", "score")
                .limit(CUSTOMER_ANSWERS)
                .to_pyarrow()
                .to_pylist()
            )
    except CxPilotError:
        return CaseCustomer(contact=None)
    try:
        person_id = person_of_record(source=case.source, customer_id=case.customer_id)
    except CxPilotError:
        person_id = None
    # the record of the case's own source first, then the most complete one
    people.sort(key=lambda p: (p["source"] != case.source, -sum(v is not None for v in p.values())))
    keys = [(a["source"], a["response_id"]) for a in answers]
    cases = {
        (source, response): pk
        for pk, source, response in FollowUpCase.objects.filter(
            response_id__in=[k[1] for k in keys]
        ).values_list("pk", "source", "response_id")
    }
    for answer in answers:
        answer["timestamp"] = periods.utc(answer["timestamp"])
        answer["case"] = cases.get((answer["source"], answer["response_id"]))
        answer["this_case"] = answer["case"] == case.pk
    return CaseCustomer(contact=people[0] if people else None, answers=answers, person_id=person_id)


def cases_of_records(
    *, actor: Any, records: Iterable[tuple[str, str]], open_only: bool = True
) -> list[FollowUpCase]:
    """The cases ``actor`` sees (:func:`visible_cases`) of the customer records ``records``
    (``(source, customer_id)``: a case is keyed by the answer's source and customer id), the
    open ones only unless ``open_only`` is false; the soonest due first."""
    wanted = Q(pk__in=[])
    for source, customer_id in records:
        wanted |= Q(source=source, customer_id=customer_id)
    cases = visible_cases(actor=actor).filter(wanted)
    if open_only:
        cases = cases.exclude(status=CaseStatus.CLOSED)
    return list(cases.order_by("due_at", "pk"))


def poor_thresholds() -> dict[str, int]:
    """The highest score that opens a follow-up case, per metric (``nps``, ``ces``,
    ``csat``): the loop's settings, or their defaults before anyone saved them. What other
    analyses call a poor experience."""
    from cxpilot.loop.models import LoopSettings

    found = LoopSettings.objects.order_by("pk").first()
    if found is None:
        found = LoopSettings()
    return {"nps": found.nps_max, "ces": found.ces_max, "csat": found.csat_max}


def alert_row(alert: Alert) -> dict[str, Any]:
    """An alert as a row of stable snake_case keys: see
    :func:`cxpilot.loop.alerts.alert_row` (for the other domains: the board)."""
    from cxpilot.loop import alerts

    return alerts.alert_row(alert)
