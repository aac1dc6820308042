"""Closing the loop: open a follow-up case for each detractor (NPS), hard effort (CES) or
unsatisfied customer (CSAT), route it to the responsible department, and work it.

Writes only (services): keyword-only, one transaction each, roles checked here. A case is
routed to the department the governance RACI makes Responsible for closing the loop on its
touchpoint; when the RACI names none, to the touchpoint's owning department.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cxpilot.governance.selectors import responsible_department
from cxpilot.kernel import roles
from cxpilot.kernel.errors import PermissionDenied, ValidationError, field_problems
from cxpilot.kernel.sql import insert_rows
from cxpilot.loop.models import (
    CaseKind,
    CaseNote,
    CaseStatus,
    ContactChannel,
    FollowUpCase,
    LoopSettings,
    NoteKind,
)
from cxpilot.organisation.models import Department, Touchpoint
from cxpilot.warehouse.connection import TEST_CHANNEL

CONTACT_CHANNELS = tuple(ContactChannel.values)


def case_department(touchpoint: str) -> tuple[Department | None, str]:
    """The department a case on ``touchpoint`` goes to, and why.

    First the department the governance RACI makes Responsible for closing the loop on the
    touchpoint (``raci_responsible``; with several, the first by department name); else the
    touchpoint's owning department (``owning_department``); else none (``unrouted``).
    """
    responsible = responsible_department(touchpoint)
    if responsible is not None:
        return responsible, "raci_responsible"
    found = Touchpoint.objects.select_related("department").filter(key=touchpoint).first()
    if found is not None and found.department is not None:
        return found.department, "owning_department"
    return None, "unrouted"


def qualifies(metric: str, score: int, loop: LoopSettings) -> bool:
    limits = {"nps": loop.nps_max, "ces": loop.ces_max, "csat": loop.csat_max}
    return metric in limits and score <= limits[metric]


def cases_open(*, records: Iterable[Mapping[str, Any]]) -> int:
    """Open a case for each qualifying answer not already followed up; return how many.

    ``records`` are rows of the ``responses`` table (dicts). Idempotent: one case per
    (source, response_id).
    """
    loop = LoopSettings.current()
    now = timezone.now()
    due = now + dt.timedelta(hours=loop.sla_hours)
    routes: dict[str, tuple[Department | None, str]] = {}
    cases = []
    for record in records:
        metric, score = str(record.get("metric", "")), int(record.get("score", 99))
        if not qualifies(metric, score, loop) or record.get("channel") == TEST_CHANNEL:
            continue  # a test answer (a survey's preview) opens no case
        touchpoint = str(record["touchpoint"])
        if touchpoint not in routes:
            routes[touchpoint] = case_department(touchpoint)
        department, why = routes[touchpoint]
        answered = record["timestamp"]
        if isinstance(answered, str):
            answered = dt.datetime.fromisoformat(answered)
        if timezone.is_naive(answered):
            answered = answered.replace(tzinfo=dt.UTC)
        cases.append(
            FollowUpCase(
                source=str(record["source"]),
                response_id=str(record["response_id"]),
                customer_id=str(record["customer_id"]),
                touchpoint=touchpoint,
                metric=metric,
                score=score,
                verbatim=str(record.get("verbatim") or ""),
                language=str(record.get("language") or ""),
                answered_at=answered,
                department=department,
                routed_by=why,
                due_at=due,
            )
        )
    if not cases:
        return 0
    fields = [f for f in FollowUpCase._meta.concrete_fields if not f.primary_key]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for case in cases:  # one per answer: the first of a repeated answer, as the database would
        case.opened_at = now
        rows.setdefault(
            (case.source, case.response_id), {f.attname: getattr(case, f.attname) for f in fields}
        )
    with transaction.atomic():
        existing = _cases_existing(list(rows))
        insert_rows(FollowUpCase, list(rows.values()), ignore_conflicts=True)
    return len(rows) - existing


def _cases_existing(keys: list[tuple[str, str]]) -> int:
    """How many of the (source, response id) ``keys`` already have a case (the unique index
    answers it, however many cases there are)."""
    found = 0
    for source in {s for s, _ in keys}:
        ids = [i for s, i in keys if s == source]
        for start in range(0, len(ids), 500):
            found += FollowUpCase.objects.filter(
                source=source, response_id__in=ids[start : start + 500]
            ).count()
    return found


def cases_open_from_warehouse(*, since: dt.date, actor: Any = None) -> int:
    """Open cases for the qualifying answers in the warehouse since ``since`` (e.g. after an
    import of recent survey results)."""
    roles.require(actor, "loop.change_followupcase")
    from cxpilot.warehouse.connection import answers, warehouse

    loop = LoopSettings.current()
    with warehouse() as con:
        t = answers(con)
        t = t.filter(
            (t.timestamp >= dt.datetime.combine(since, dt.time()))
            & (
                ((t.metric == "nps") & (t.score <= loop.nps_max))
                | ((t.metric == "ces") & (t.score <= loop.ces_max))
                | ((t.metric == "csat") & (t.score <= loop.csat_max))
            )
        )
        records = t.to_pyarrow().to_pylist()
    return cases_open(records=records)


#: The longest reason of a retention case.
MAX_REASON = 200
#: The most customers one call opens retention cases for.
MAX_RETENTION_CASES = 5000


def retention_cases_open(
    *, actor: Any, records: Iterable[tuple[str, str]], reason: str
) -> list[FollowUpCase]:
    """Open a retention case (kind ``retention``: no survey answer behind it) for each
    customer record ``(source, customer_id)``, for ``reason`` (e.g. "high value at high
    risk"), unless the record already has an open (not closed) retention case, whatever its
    reason; return the cases opened (a repeated call opens none).

    Only who may open cases from the warehouse's answers may (the CX lead). One transaction:
    every case or none. Each case is routed like an answer's case (:func:`case_department`)
    on the touchpoint the customer last answered about, and is due after the loop's SLA."""
    roles.require(actor, "loop.change_followupcase")
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError("say why these customers are followed up", where="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"a reason is at most {MAX_REASON} characters", where="reason")
    keys = list(dict.fromkeys((str(s), str(c)) for s, c in records))
    if len(keys) > MAX_RETENTION_CASES:
        raise ValidationError(
            f"{len(keys):,} customers: open at most {MAX_RETENTION_CASES:,} cases at once",
            where="customers",
        )
    for source, customer_id in keys:
        if not source or not customer_id or len(source) > 60 or len(customer_id) > 120:
            raise ValidationError(
                f"not a customer record: {source!r}:{customer_id!r}", where="customers"
            )
    if not keys:
        return []
    touchpoints = _last_touchpoints(keys)
    loop = LoopSettings.current()
    with transaction.atomic():
        # one opening at a time: the settings row is the lock, so that two clicks cannot
        # both find a customer without a case and both open one
        LoopSettings.objects.select_for_update().filter(pk=loop.pk).first()
        open_already = _retention_open(keys)
        now = timezone.now()
        routes: dict[str, tuple[Department | None, str]] = {}
        opened = []
        for source, customer_id in keys:
            if (source, customer_id) in open_already:
                continue
            touchpoint = touchpoints.get((source, customer_id), "")
            if touchpoint not in routes:
                routes[touchpoint] = (
                    case_department(touchpoint) if touchpoint else (None, "unrouted")
                )
            department, why = routes[touchpoint]
            opened.append(
                FollowUpCase(
                    kind=CaseKind.RETENTION,
                    reason=reason,
                    source=source,
                    response_id="",
                    customer_id=customer_id,
                    touchpoint=touchpoint,
                    metric="",
                    score=None,
                    answered_at=now,
                    department=department,
                    routed_by=why,
                    due_at=now + dt.timedelta(hours=loop.sla_hours),
                )
            )
        return FollowUpCase.objects.bulk_create(opened, batch_size=500)


def _retention_open(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The records of ``keys`` that have an open (not closed) retention case."""
    found: set[tuple[str, str]] = set()
    cases = FollowUpCase.objects.filter(kind=CaseKind.RETENTION).exclude(status=CaseStatus.CLOSED)
    for source in {s for s, _ in keys}:
        ids = [i for s, i in keys if s == source]
        for start in range(0, len(ids), 500):
            found.update(
                cases.filter(source=source, customer_id__in=ids[start : start + 500]).values_list(
                    "source", "customer_id"
                )
            )
    return found


def _last_touchpoints(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The touchpoint each record last answered about (one grouped warehouse query); none
    for a record with no answer, or when the warehouse holds no answers."""
    import ibis
    import pyarrow as pa

    from cxpilot.kernel.errors import CxPilotError
    from cxpilot.warehouse.connection import answers, warehouse

    wanted = ibis.memtable(
        pa.table(
            {
                "source": pa.array([k[0] for k in keys], pa.string()),
                "customer_id": pa.array([k[1] for k in keys], pa.string()),
            }
        )
    )
    try:
        with warehouse() as con:
            t = answers(con)
            t = t.semi_join(wanted, ["source", "customer_id"])
            latest = ibis.row_number().over(
                group_by=[t.source, t.customer_id],
                order_by=[t.timestamp.desc(), t.response_id.desc()],
            )
            t = t.mutate(latest=latest).filter(lambda r: r.latest == 0)
            rows = t.select("source", "customer_id", "touchpoint").to_pyarrow().to_pylist()
    except CxPilotError:
        return {}
    return {(r["source"], r["customer_id"]): str(r["touchpoint"] or "") for r in rows}


def may_work(actor: Any, case: FollowUpCase) -> bool:
    if roles.may(actor, "loop.change_followupcase"):
        return True
    profile = getattr(actor, "cx_profile", None)
    return (
        roles.may(actor, "loop.work_case")
        and profile is not None
        and profile.department_id is not None
        and profile.department_id == case.department_id
    )


def _require_work(actor: Any, case: FollowUpCase) -> None:
    if not may_work(actor, case):
        raise PermissionDenied("only the CX lead or the case's department may work this case")


@transaction.atomic
def case_note_add(
    *, actor: Any, case: FollowUpCase, text: str, kind: str = NoteKind.NOTE, channel: str = ""
) -> CaseNote:
    """Add a note, or record a contact with the customer (which starts the case)."""
    _require_work(actor, case)
    text = text.strip()
    if not text:
        raise ValidationError("write what happened", where="text")
    if len(text) > 5000:
        raise ValidationError("a note is at most 5,000 characters", where="text")
    if kind not in (NoteKind.NOTE, NoteKind.CONTACT):
        raise ValidationError("a note is a note or a contact", where="kind")
    if kind == NoteKind.CONTACT and channel not in CONTACT_CHANNELS:
        raise ValidationError(f"say how: {', '.join(CONTACT_CHANNELS)}", where="channel")
    note = CaseNote.objects.create(
        case=case,
        author=actor,
        kind=kind,
        channel=channel if kind == NoteKind.CONTACT else "",
        text=text,
    )
    if kind == NoteKind.CONTACT:
        case.first_contact_at = case.first_contact_at or note.created_at
        if case.status == CaseStatus.OPEN:
            case.status = CaseStatus.IN_PROGRESS
        case.save(update_fields=["first_contact_at", "status"])
    return note


@transaction.atomic
def case_status_set(
    *, actor: Any, case: FollowUpCase, status: str, resolution: str = ""
) -> FollowUpCase:
    """Move a case to ``status``; closing needs a resolution."""
    _require_work(actor, case)
    if status not in CaseStatus.values:
        raise ValidationError(f"unknown status {status!r}", where="status")
    resolution = resolution.strip()
    if status == CaseStatus.CLOSED and not resolution:
        raise ValidationError("say how the case was resolved", where="resolution")
    if status == case.status:
        return case
    case.status = status
    case.closed_at = timezone.now() if status == CaseStatus.CLOSED else None
    if resolution:
        case.resolution = resolution
    case.save(update_fields=["status", "closed_at", "resolution"])
    CaseNote.objects.create(
        case=case, author=actor, kind=NoteKind.STATUS, status=status, text=resolution
    )
    return case


def case_assignees(case: FollowUpCase) -> QuerySet[Any]:
    """Who may be given the case: the active CX leads (and admins), and the owners of the
    case's department."""
    user_model = get_user_model()
    leads = Q(groups__name__in=(roles.CX_LEAD, roles.ADMIN)) | Q(is_superuser=True)
    owners = Q(groups__name=roles.DEPARTMENT_OWNER, cx_profile__department_id=case.department_id)
    found = user_model.objects.filter(is_active=True).filter(
        leads | owners if case.department_id else leads
    )
    return found.distinct().order_by("username")


@transaction.atomic
def case_assign(*, actor: Any, case: FollowUpCase, assignee: Any) -> FollowUpCase:
    """Give the case to ``assignee`` (a user who may work it; None: nobody)."""
    _require_work(actor, case)
    if assignee is not None and not case_assignees(case).filter(pk=assignee.pk).exists():
        raise ValidationError(
            "the case can go to a CX lead or an owner of its department only", where="assignee"
        )
    if (assignee.pk if assignee else None) == case.assignee_id:
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    who = (assignee.get_full_name() or assignee.username) if assignee else "—"
    CaseNote.objects.create(case=case, author=actor, kind=NoteKind.ASSIGNMENT, text=who)
    return case


#: The longest root cause: a few words a team reuses, not a report.
MAX_ROOT_CAUSE = 80


@transaction.atomic
def case_root_cause_set(*, actor: Any, case: FollowUpCase, root_cause: str) -> FollowUpCase:
    """Tag the case with its root cause (free words, shared across cases: the case list and
    the export group by it)."""
    _require_work(actor, case)
    text = " ".join((root_cause or "").split())
    if len(text) > MAX_ROOT_CAUSE:
        raise ValidationError(
            f"a root cause is at most {MAX_ROOT_CAUSE} characters", where="root_cause"
        )
    if text == case.root_cause:
        return case
    case.root_cause = text
    case.save(update_fields=["root_cause"])
    CaseNote.objects.create(case=case, author=actor, kind=NoteKind.ROOT_CAUSE, text=text or "—")
    return case


def root_causes() -> list[str]:
    """The root causes already used, most used first (the form suggests them)."""
    rows = (
        FollowUpCase.objects.exclude(root_cause="")
        .values("root_cause")
        .annotate(n=Count("pk"))
        .order_by("-n", "root_cause")[:50]
    )
    return [r["root_cause"] for r in rows]


@transaction.atomic
def case_escalate(*, actor: Any, case: FollowUpCase, reason: str) -> FollowUpCase:
    """Escalate the case to the CX lead: recorded, and sent by e-mail to the alert recipients
    (the closing-the-loop settings) once the change is saved."""
    _require_work(actor, case)
    reason = reason.strip()
    if not reason:
        raise ValidationError("say why the case is escalated", where="reason")
    if len(reason) > 5000:
        raise ValidationError("a reason is at most 5,000 characters", where="reason")
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("a closed case is not escalated: reopen it first", where="status")
    case.escalated_at = timezone.now()
    case.save(update_fields=["escalated_at"])
    CaseNote.objects.create(case=case, author=actor, kind=NoteKind.ESCALATION, text=reason)
    recipients = [
        line.strip() for line in LoopSettings.current().alert_emails.splitlines() if line.strip()
    ]
    if recipients:
        subject = f"[CX Pilot] Case {case.pk} escalated: {case.headline}"
        body = f"{reason}\n\n{case.touchpoint} · {case.customer_id}\n\n{case.verbatim}"
        transaction.on_commit(
            lambda: send_mail(subject, body, None, recipients, fail_silently=True)
        )
    return case


#: The longest reply sent from a case.
MAX_REPLY = 10_000


@transaction.atomic
def case_reply(*, actor: Any, case: FollowUpCase, to: str, subject: str, body: str) -> CaseNote:
    """Send an e-mail to the customer from the case, and record it as a contact (which starts
    the case). ``to`` is the customer's address (the case page fills it from the customer
    base)."""
    _require_work(actor, case)
    to, subject, body = to.strip(), " ".join(subject.split()), body.strip()
    problems = []
    try:
        validate_email(to)
    except DjangoValidationError:
        problems.append(("to", "give the customer's e-mail address"))
    if not subject or len(subject) > 200:
        problems.append(("subject", "a subject of 1 to 200 characters"))
    if not body or len(body) > MAX_REPLY:
        problems.append(("body", f"a message of 1 to {MAX_REPLY:,} characters"))
    if problems:
        where, first = problems[0]
        raise ValidationError(
            first,
            where=where,
            problems=field_problems({w: [m] for w, m in problems}),
        )
    note = case_note_add(
        actor=actor,
        case=case,
        kind=NoteKind.CONTACT,
        channel=ContactChannel.EMAIL,
        text=f"{subject}\n\n{body}",
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))
    return note


def cases_erase(*, records: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Delete the follow-up cases of the customer ``records`` (``(source, customer_id)``),
    with their notes (contacts, replies, status changes), in the caller's transaction (which
    must be open: the erasure of a person changes both stores together). Returns the rows
    deleted per table (``loop.followupcase``, ``loop.casenote``). The alerts are figures
    over many answers, with no one's data: they stay."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cases_erase runs in the caller's transaction")
    keys = list(dict.fromkeys((str(s), str(c)) for s, c in records))
    out = {"loop.followupcase": 0, "loop.casenote": 0}
    for start in range(0, len(keys), 100):
        match = Q(pk__in=[])
        for source, customer_id in keys[start : start + 100]:
            match |= Q(source=source, customer_id=customer_id)
        _, per_model = FollowUpCase.objects.filter(match).delete()
        for label, n in per_model.items():
            name = label.lower()
            out[name] = out.get(name, 0) + n
    return out
