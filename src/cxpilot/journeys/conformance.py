"""Conformance of the real journeys to a target journey, computed in the warehouse engine.

Each case of an :class:`~cxpilot.journeys.log.EventLog` is placed on the target by the
**first event of each step** (the event whose activity is one of the step's; the order is the
log's: time, then event id). A case **conforms** when

- every required step occurs (else: *missing step*);
- for every step, each step that must come before it (its ``after``, and theirs in turn) and
  that the case reached, comes first (else: *wrong order*, naming the pair);
- for every step with a time limit, its first event comes at most ``within_hours`` after the
  first event of the latest step, among those that must come before it, that the case reached
  (else: *time limit breached*, with the median and 90th percentile of the excess);
- unless ``allow_other``, no event has an activity that is in no step (else: *unexpected
  activity*, naming it).

Where cases leave the path: for each case that does not conform, the last step of the target
(in the definition's order) that it reached.

Outcomes (from the warehouse, each case its customer's: the person of the case, or of its first
event's record; or from answers and transactions files, a customer being a customer id),
conforming against deviating cases, each with its interval and the interval of
the difference (:mod:`cxpilot.journeys.stats`):

- **NPS**: the latest NPS answer the customer gave from the case's first event to 30 days after
  its last; one answer per case, so each case counts once;
- **repeat purchase**: a purchase (a transaction of positive amount) within 90 days after the
  case's last event, for cases ending at least 90 days before the data's end (the latest
  transaction), whose 90 days are all observed;
- **churn**: no purchase at all after the case's last event, for cases ending at least 180 days
  before the data's end.

Everything is an Ibis query: a window over each case, then groupings; no row reaches Python
but the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis

from cxpilot.analytics import stats as voc_stats
from cxpilot.journeys import stats
from cxpilot.journeys.log import EventLog
from cxpilot.journeys.targets import Definition

NPS_DAYS_AFTER = 30
REPEAT_DAYS = 90
CHURN_DAYS = 180
#: The keys of every deviation (null where they do not apply), in this order.
DEVIATION_KEYS = (
    "kind",
    "step",
    "step_name",
    "before",
    "before_name",
    "activity",
    "within_hours",
    "median_excess_hours",
    "p90_excess_hours",
    "cases",
    "share",
)
#: Fewer cases than this on a side and the comparison gets a note.
SMALL = voc_stats.SMALL_SAMPLE


@dataclass
class Report:
    target: str
    name: str
    case: str
    activity: str
    cases: int
    cases_left_out: int
    conforming: int
    conforming_share: float | None
    ci_low: float | None
    ci_high: float | None
    steps: list[dict[str, Any]]
    deviations: list[dict[str, Any]]
    exits: list[dict[str, Any]]
    outcomes: list[dict[str, Any]] | None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "name": self.name,
            "case": self.case,
            "activity": self.activity,
            "cases": self.cases,
            "cases_left_out": self.cases_left_out,
            "conforming": self.conforming,
            "conforming_share": self.conforming_share,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "steps": self.steps,
            "deviations": self.deviations,
            "exits": self.exits,
            "outcomes": self.outcomes,
            "notes": self.notes,
        }


def _num(value: Any, digits: int = 2) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else round(number, digits)


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _greatest(values: list[Any]) -> Any:
    """The latest of timestamps, nulls ignored (GREATEST does so in DuckDB and PostgreSQL)."""
    return values[0] if len(values) == 1 else ibis.greatest(*values)


def case_table(log: EventLog, target: Definition) -> tuple[Any, list[str]]:
    """One row per case of the log: its first position (``p<i>``) and time (``t<i>``) at each
    step ``i`` of the target, ``start``, ``end``, ``other`` (events in no step), the record of
    its first event (``first_source``, ``first_customer``) and, when the target names
    ``cases_with``, ``in_scope``. With the deviation flags of each case and ``conforming``.
    Also gives the names of the flag columns."""
    t = log.table
    keys = list(log.case_keys)
    mapping = target.activity_steps()
    e = t.mutate(
        step=t.activity.substitute(mapping, else_=ibis.null("string")),
        pos=ibis.row_number().over(log.window()),
    )
    aggs: dict[str, Any] = {
        "start": e.ts.min(),
        "end": e.ts.max(),
        "other": e.step.isnull().ifelse(1, 0).sum(),
        "first_source": e.source.argmin(e.pos),
        "first_customer": e.customer_id.argmin(e.pos),
    }
    for i, s in enumerate(target.steps):
        aggs[f"p{i}"] = e.pos.min(where=e.step == s.key)
        aggs[f"t{i}"] = e.ts.min(where=e.step == s.key)
    if target.cases_with:
        aggs["in_scope"] = e.activity.isin(list(target.cases_with)).any()
    c = e.group_by(keys).aggregate(**aggs)
    index = {s.key: i for i, s in enumerate(target.steps)}
    ancestors = target.ancestors()
    flags: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for i, s in enumerate(target.steps):
        if s.required:
            flags[f"missing_{i}"] = c[f"p{i}"].isnull()
        for a in ancestors[s.key]:
            j = index[a]
            flags[f"order_{j}_{i}"] = (c[f"p{j}"] > c[f"p{i}"]).fill_null(False)
        if s.within_hours is not None and ancestors[s.key]:
            ref = _greatest([c[f"t{index[a]}"] for a in ancestors[s.key]])
            gap = (c[f"t{i}"].epoch_seconds() - ref.epoch_seconds()).cast("float64")
            excess = gap - s.within_hours * 3600.0
            extra[f"excess_{i}"] = excess
            flags[f"late_{i}"] = (excess > 0).fill_null(False)
    if not target.allow_other:
        flags["unexpected"] = c.other > 0
    deviating = ibis.literal(False)
    for flag in flags.values():
        deviating = deviating | flag
    last = ibis.cases(
        *[(c[f"p{i}"].notnull(), s.key) for i, s in reversed(list(enumerate(target.steps)))],
        else_=ibis.null("string"),
    )
    c = c.mutate(**flags, **extra, conforming=~deviating, last_step=last)
    return c, list(flags)


def conformance(
    log: EventLog,
    target: Definition,
    *,
    outcomes: bool = True,
    outcome_data: OutcomeData | None = None,
) -> Report:
    """The conformance report of ``log`` to ``target``; with ``outcomes``, the outcomes of the
    warehouse (a warehouse log) or of ``outcome_data`` (answers and transactions files)."""
    c, flags = case_table(log, target)
    keys = list(log.case_keys)
    notes = list(log.notes)
    left_out = 0
    if target.cases_with:
        scope = (
            c.aggregate(all=c.count(), kept=c.in_scope.ifelse(1, 0).sum())
            .to_pyarrow()
            .to_pylist()[0]
        )
        left_out = _int(scope["all"]) - _int(scope["kept"])
        c = c.filter(c.in_scope)
    steps = list(target.steps)
    aggs: dict[str, Any] = {
        "cases": c.count(),
        "conforming": c.conforming.ifelse(1, 0).sum(),
    }
    for name in flags:
        aggs[name] = c[name].ifelse(1, 0).sum()
        if name.startswith("late_"):
            at = name.split("_")[1]
            hours = c[f"excess_{at}"] / 3600.0
            aggs[f"median_{at}"] = hours.median(where=c[name])
            aggs[f"p90_{at}"] = hours.quantile(0.9, where=c[name])
    for i in range(len(steps)):
        aggs[f"reached_{i}"] = c[f"p{i}"].notnull().ifelse(1, 0).sum()
    row = c.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    cases = _int(row["cases"])
    conforming = _int(row["conforming"])

    def share(count: int, of: int = cases) -> float | None:
        return round(100.0 * count / of, 2) if of else None

    deviations: list[dict[str, Any]] = []
    for name in flags:
        count = _int(row[name])
        if not count or name == "unexpected":
            continue
        parts = name.split("_")
        item: dict[str, Any] = {"cases": count, "share": share(count)}
        if parts[0] == "missing":
            s = steps[int(parts[1])]
            item = {"kind": "missing_step", "step": s.key, "step_name": s.name, **item}
        elif parts[0] == "order":
            a, b = steps[int(parts[1])], steps[int(parts[2])]
            item = {
                "kind": "wrong_order",
                "step": b.key,
                "step_name": b.name,
                "before": a.key,
                "before_name": a.name,
                **item,
            }
        else:
            s = steps[int(parts[1])]
            item = {
                "kind": "time_limit",
                "step": s.key,
                "step_name": s.name,
                "within_hours": s.within_hours,
                "median_excess_hours": _num(row[f"median_{parts[1]}"]),
                "p90_excess_hours": _num(row[f"p90_{parts[1]}"]),
                **item,
            }
        deviations.append(item)
    if not target.allow_other and _int(row.get("unexpected")):
        deviations.extend(_unexpected(log, target, c, share))
    deviations = [{k: d.get(k) for k in DEVIATION_KEYS} for d in deviations]
    deviations.sort(key=lambda d: (-d["cases"], d["kind"], d["step"] or d["activity"] or ""))
    interval = voc_stats.wilson(conforming, cases)
    report = Report(
        target=target.key,
        name=target.name,
        case=log.case,
        activity=log.activity,
        cases=cases,
        cases_left_out=left_out,
        conforming=conforming,
        conforming_share=_num(interval.score) if cases else None,
        ci_low=_num(interval.ci_low) if cases else None,
        ci_high=_num(interval.ci_high) if cases else None,
        steps=[
            {
                "step": s.key,
                "name": s.name,
                "required": s.required,
                "reached": _int(row[f"reached_{i}"]),
                "share": share(_int(row[f"reached_{i}"])),
            }
            for i, s in enumerate(steps)
        ],
        deviations=deviations,
        exits=_exits(c, target, cases - conforming),
        outcomes=None,
        notes=notes,
    )
    if not cases:
        report.notes.append("no case in the log (or in the target's cases_with)")
    if outcomes and cases and (log.in_warehouse or outcome_data is not None):
        if outcome_data is None:
            from cxpilot.warehouse.connection import warehouse

            with warehouse() as con:
                report.outcomes = _outcomes(c, keys, log.case, warehouse_outcomes(con))
        else:
            report.outcomes = _outcomes(c, keys, log.case, outcome_data)
            if outcome_data.responses is None or outcome_data.transactions is None:
                report.notes.append(
                    "with --file, NPS needs --responses and repeat purchase and churn "
                    "--transactions"
                )
    elif outcomes and not log.in_warehouse:
        report.notes.append(
            "outcomes (NPS, repeat purchase, churn) need answers and transactions: with "
            "--file, give --responses and --transactions files, else the report has the "
            "conformance only"
        )
    return report


def _unexpected(log: EventLog, target: Definition, c: Any, share: Any) -> list[dict[str, Any]]:
    """The activities in no step, with the number of cases (of the target's) they occur in."""
    t = log.table
    keys = list(log.case_keys)
    known = list(target.activity_steps())
    odd = t.filter(~t.activity.isin(known)).select(*keys, "activity").distinct()
    odd = odd.semi_join(c.select(*keys), keys)
    counted = odd.group_by("activity").aggregate(cases=odd.count())
    return [
        {
            "kind": "unexpected_activity",
            "activity": str(r["activity"]),
            "cases": int(r["cases"]),
            "share": share(int(r["cases"])),
        }
        for r in counted.to_pyarrow().to_pylist()
    ]


def _exits(c: Any, target: Definition, deviating: int) -> list[dict[str, Any]]:
    """Where the cases that do not conform leave the path: the last step they reached."""
    if not deviating:
        return []
    d = c.filter(~c.conforming)
    rows = d.group_by("last_step").aggregate(cases=d.count()).to_pyarrow().to_pylist()
    names = {s.key: s.name for s in target.steps}
    order = {s.key: i for i, s in enumerate(target.steps)}
    out = [
        {
            "step": r["last_step"],
            "name": names.get(r["last_step"] or "", ""),
            "cases": int(r["cases"]),
            "share": round(100.0 * int(r["cases"]) / deviating, 2),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (-r["cases"], order.get(r["step"] or "", -1)))
    return out


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class OutcomeData:
    """Where the outcomes come from: the ``responses`` and ``transactions`` tables (Ibis, of
    the log's backend; either may be None: its outcomes are left out) and ``with_person``,
    which gives any table with ``source`` and ``customer_id`` a ``person`` column."""

    responses: Any
    transactions: Any
    with_person: Callable[[Any], Any]


def warehouse_outcomes(con: Any) -> OutcomeData:
    """The warehouse's answers and transactions, each record its person's."""
    from cxpilot.customers.selectors import answers_with_person

    return OutcomeData(
        con.table("responses"),
        con.table("transactions"),
        lambda t: answers_with_person(con, t),
    )


def file_outcomes(responses: Any, transactions: Any) -> OutcomeData:
    """Answers and transactions read from files: a customer is a customer id, whatever the
    source columns say (files seldom agree on them)."""
    return OutcomeData(responses, transactions, lambda t: t.mutate(person=t.customer_id))


def _outcomes(c: Any, keys: list[str], case: str, data: OutcomeData) -> list[dict[str, Any]]:
    if case == "person":
        oc = c.select(*keys, "start", "end", "conforming", cperson=c.person)
    else:
        base = (
            c.select(
                *keys,
                "start",
                "end",
                "conforming",
                source=c.first_source,
                customer_id=c.first_customer,
            )
            if case == "journey"
            else c.select(*keys, "start", "end", "conforming")
        )
        with_person = data.with_person(base)
        oc = with_person.select(*keys, "start", "end", "conforming", cperson=with_person.person)
    out: list[dict[str, Any]] = []
    if data.responses is not None:
        out.append(_nps(oc, keys, data))
    if data.transactions is not None:
        out.extend(_purchases(oc, keys, data))
    return out


def _nps(oc: Any, keys: list[str], data: OutcomeData) -> dict[str, Any]:
    responses = data.responses
    r = data.with_person(responses.filter(responses.metric == "nps"))
    r = r.select(rperson=r.person, rts=r.timestamp, score=r.score)
    j = oc.join(
        r,
        [
            oc.cperson == r.rperson,
            r.rts >= oc.start,
            r.rts <= oc.end + ibis.interval(days=NPS_DAYS_AFTER),
        ],
    )
    latest = j.group_by([*keys, "conforming"]).aggregate(score=j.score.argmax(j.rts))
    rows = (
        latest.group_by("conforming")
        .aggregate(
            n=latest.count(),
            promoters=(latest.score >= 9).ifelse(1, 0).sum(),
            detractors=(latest.score <= 6).ifelse(1, 0).sum(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    by = {bool(r["conforming"]): r for r in rows}
    return _nps_outcome(by.get(True), by.get(False))


def _purchases(oc: Any, keys: list[str], data: OutcomeData) -> list[dict[str, Any]]:
    transactions = data.transactions
    data_end = transactions.timestamp.max().to_pyarrow().as_py()
    rows: list[dict[str, Any]] = []
    if data_end is not None:
        tx = data.with_person(transactions.filter(transactions.amount > 0))
        tx = tx.select(tperson=tx.person, tts=tx.timestamp)
        k = oc.left_join(tx, [oc.cperson == tx.tperson, tx.tts > oc.end])
        nxt = k.group_by([*keys, "conforming", "end"]).aggregate(next_purchase=k.tts.min())
        repeat_ok = nxt.end <= data_end - dt.timedelta(days=REPEAT_DAYS)
        churn_ok = nxt.end <= data_end - dt.timedelta(days=CHURN_DAYS)
        repeated = repeat_ok & (nxt.next_purchase <= nxt.end + ibis.interval(days=REPEAT_DAYS))
        rows = (
            nxt.group_by("conforming")
            .aggregate(
                repeat_n=repeat_ok.ifelse(1, 0).sum(),
                repeats=repeated.fill_null(False).ifelse(1, 0).sum(),
                churn_n=churn_ok.ifelse(1, 0).sum(),
                churned=(churn_ok & nxt.next_purchase.isnull()).ifelse(1, 0).sum(),
            )
            .to_pyarrow()
            .to_pylist()
        )
    by = {bool(r["conforming"]): r for r in rows}
    yes, no = by.get(True) or {}, by.get(False) or {}
    return [
        _proportion_outcome(
            "repeat_purchase",
            (_int(yes.get("repeats")), _int(yes.get("repeat_n"))),
            (_int(no.get("repeats")), _int(no.get("repeat_n"))),
            f"cases ending at least {REPEAT_DAYS} days before the data's end",
        ),
        _proportion_outcome(
            "churn",
            (_int(yes.get("churned")), _int(yes.get("churn_n"))),
            (_int(no.get("churned")), _int(no.get("churn_n"))),
            f"cases ending at least {CHURN_DAYS} days before the data's end",
        ),
    ]


def _note(n_yes: int, n_no: int, what: str) -> str:
    small = [side for side, n in (("conforming", n_yes), ("deviating", n_no)) if n < SMALL]
    if not small:
        return ""
    return (
        f"fewer than {SMALL} {what} on the {' and '.join(small)} side: too few to compare reliably"
    )


def _side(n: int, value: Any, low: Any, high: Any, prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}_n": n,
        f"{prefix}_value": _num(value) if n else None,
        f"{prefix}_ci_low": _num(low) if n else None,
        f"{prefix}_ci_high": _num(high) if n else None,
    }


def _nps_outcome(yes: dict[str, Any] | None, no: dict[str, Any] | None) -> dict[str, Any]:
    def result(row: dict[str, Any] | None) -> voc_stats.NpsResult:
        row = row or {}
        return voc_stats.nps(
            _int(row.get("promoters")), _int(row.get("detractors")), _int(row.get("n"))
        )

    a, b = result(yes), result(no)
    diff = stats.nps_difference(a, b)
    na, nb = int(a.n), int(b.n)
    return {
        "outcome": "nps",
        **_side(na, a.score, a.ci_low, a.ci_high, "conforming"),
        **_side(nb, b.score, b.ci_low, b.ci_high, "deviating"),
        "difference": _num(diff.delta),
        "difference_ci_low": _num(diff.ci_low),
        "difference_ci_high": _num(diff.ci_high),
        "note": _note(na, nb, "cases with an NPS answer"),
    }


def _proportion_outcome(
    name: str, yes: tuple[int, int], no: tuple[int, int], who: str
) -> dict[str, Any]:
    a = voc_stats.wilson(yes[0], yes[1])
    b = voc_stats.wilson(no[0], no[1])
    diff = stats.proportion_difference(yes[0], yes[1], no[0], no[1])
    note = _note(yes[1], no[1], who)
    return {
        "outcome": name,
        **_side(yes[1], a.score, a.ci_low, a.ci_high, "conforming"),
        **_side(no[1], b.score, b.ci_low, b.ci_high, "deviating"),
        "difference": _num(diff.delta),
        "difference_ci_low": _num(diff.ci_low),
        "difference_ci_high": _num(diff.ci_high),
        "note": note,
    }
