"""Moments of truth: the touchpoints whose experience most changes what the customer does next.

The unit is one **answer** (a survey response) at a touchpoint, carried to its person. Its
**exposure** is a poor experience: a score at or below the one that opens a follow-up case
(the loop's settings: NPS 0–6, CES 1–3, CSAT 1–2 by default). Its **outcome**, after the
answer time t, over all the person's records:

- ``repeat``: a purchase (a transaction with a positive amount) in (t, t + 90 days]; only the
  answers with t at least 90 days before the last purchase of the data (the end of the data),
  so that every answer has its whole window observed;
- ``churn``: no purchase after t until the end of the data; only the answers at least 180
  days before the end, so that a customer who buys twice a year had time to come back;
- ``nps``: the person's next relationship NPS after t (promoter +100, passive 0, detractor
  −100, so that the effect is in NPS points); answers with no later relationship answer are
  left out. The relationship touchpoint is the one outside every journey stage that carries
  the NPS of the most persons, or the one named.

Each touchpoint gets a linear probability model (OLS) of the outcome on the poor-experience
indicator with the controls: the person's segment (golden record), the answer's channel,
tenure (days since the person's first interaction or purchase before t), the number of
interactions in the 365 days before t (log1p) and the month of t; standard errors clustered
by person (:func:`cxpilot.kernel.regression.cluster_ols`). The effect is the indicator's
coefficient, in percentage points (``repeat``, ``churn``) or NPS points (``nps``).

The features are built in the warehouse engine (Ibis: joins, windows, aggregations pushed
down); one row per answer reaches pandas for the fit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError

OUTCOMES = ("repeat", "churn", "nps")
#: The window after an answer in which a purchase counts as a repeat purchase.
REPEAT_DAYS = 90
#: How long before the end of the data an answer must be for its churn to be observed.
CHURN_DAYS = 180
#: Fewer poor (or fewer other) answers than this at a touchpoint: not estimated.
MIN_EXPOSED = 30
#: Fewer answers than this at a touchpoint: not estimated.
MIN_ANSWERS = 100
#: A relationship touchpoint is found only if at least this many persons answered its NPS.
MIN_RELATIONSHIP_PERSONS = 30
#: +1 when a larger outcome is worse for the company (churn), −1 when it is better.
HARM = {"repeat": -1, "churn": 1, "nps": -1}
UNITS = {"repeat": "percentage points", "churn": "percentage points", "nps": "NPS points"}
PERMISSION = "organisation.view_analytics"
UNKNOWN = "(none)"

METHOD = (
    "Per touchpoint, a linear probability model (OLS) of the outcome on a poor-experience "
    "indicator (NPS {nps_max} or less, CES {ces_max} or less, CSAT {csat_max} or less: the "
    "thresholds that open follow-up cases), controlling for the person's segment, the "
    "answer's channel, tenure (days since the first interaction or purchase), log(1 + "
    "interactions in the 365 days before) and the month of the answer; standard errors "
    "clustered by person, 95% intervals with Student's t (persons − 1 degrees of freedom). "
    "Effect = the indicator's coefficient in {unit}. {window} Ranked by the harmful size of "
    "the effect ({harm}). Observational: an effect is an association that the controls do "
    "not explain, not a proof of cause."
)
WINDOWS = {
    "repeat": "Outcome: a purchase within 90 days after the answer; answers at least 90 "
    "days before the last purchase in the data.",
    "churn": "Outcome: no purchase after the answer until the end of the data; answers at "
    "least 180 days before the last purchase in the data.",
    "nps": "Outcome: the person's next relationship NPS answer after the answer, promoter "
    "+100, passive 0, detractor −100; answers without a later one are left out.",
}
HARMS = {
    "repeat": "most negative first",
    "churn": "most positive first",
    "nps": "most negative first",
}


@dataclass(frozen=True)
class Sources:
    """The inputs, as Ibis tables of one connection, each with a ``person`` column:
    ``answers`` (responses), ``interactions``, ``purchases`` (positive transactions), and
    ``segments`` (``person``, ``segment``) or None."""

    answers: Any
    interactions: Any
    purchases: Any
    segments: Any | None
    names: dict[str, str]
    relationship_candidates: list[str] | None  # touchpoints outside every journey stage
    in_warehouse: bool


@dataclass
class Moments:
    outcome: str
    unit: str
    method: str
    outcome_touchpoint: str | None
    data_end: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    not_estimated: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "unit": self.unit,
            "method": self.method,
            "outcome_touchpoint": self.outcome_touchpoint,
            "data_end": self.data_end,
            "rows": self.rows,
            "not_estimated": self.not_estimated,
            "notes": self.notes,
        }


def check_outcome(outcome: str) -> str:
    text = (outcome or "").strip().lower()
    if text not in OUTCOMES:
        raise ValidationError(
            f"{outcome!r} is not an outcome; expected one of {', '.join(OUTCOMES)}",
            where="--outcome",
        )
    return text


def moments_of_truth(
    *,
    actor: Any,
    outcome: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
    outcome_touchpoint: str | None = None,
) -> Moments:
    """The moments of truth of the warehouse's data for ``outcome`` (repeat, churn, nps),
    on the answers of ``start``..``end`` (both days included) of the persons of ``segment``."""
    roles.require(actor, PERMISSION)
    outcome = check_outcome(outcome)
    _check_period(start, end)
    with _warehouse_sources() as sources:
        return _moments(
            sources,
            outcome=outcome,
            start=start,
            end=end,
            segment=segment,
            outcome_touchpoint=outcome_touchpoint,
        )


def moments_of_truth_in_files(
    *,
    actor: Any,
    outcome: str,
    interactions: Path,
    responses: Path | None,
    transactions: Path | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    outcome_touchpoint: str | None = None,
) -> Moments:
    """The moments of truth of files in the import formats, read as they are (nothing is
    imported): each customer id is a person, and there are no segments."""
    roles.require(actor, PERMISSION)
    outcome = check_outcome(outcome)
    _check_period(start, end)
    missing = [
        option
        for option, path in (("--responses", responses), ("--transactions", transactions))
        if path is None
    ]
    if missing:
        raise ValidationError(
            "moments of truth need the answers and the purchases as well as the "
            f"interactions: give {' and '.join(missing)} (files in the import formats)",
            where=missing[0],
        )
    assert responses is not None and transactions is not None
    with _file_sources(interactions, responses, transactions) as sources:
        return _moments(
            sources,
            outcome=outcome,
            start=start,
            end=end,
            segment=None,
            outcome_touchpoint=outcome_touchpoint,
        )


def _check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError("--to is before --from", where="--to")


# ------------------------------------------------------------------------------ sources


@contextmanager
def _warehouse_sources() -> Iterator[Sources]:
    from cxpilot.customers.selectors import answers_with_person, golden_segments
    from cxpilot.organisation.models import Touchpoint
    from cxpilot.warehouse.connection import answers, warehouse

    touchpoints = list(Touchpoint.objects.values_list("key", "name", "stage_id"))
    with warehouse() as con:
        r = answers(con)
        x = con.table("transactions")
        yield Sources(
            answers=answers_with_person(con, r),
            interactions=answers_with_person(con, con.table("interactions")),
            purchases=answers_with_person(con, x.filter(x.amount > 0)),
            segments=golden_segments(con).rename(person="person_id"),
            names={key: name for key, name, _stage in touchpoints},
            relationship_candidates=[key for key, _name, stage in touchpoints if stage is None],
            in_warehouse=True,
        )


@contextmanager
def _file_sources(interactions: Path, responses: Path, transactions: Path) -> Iterator[Sources]:
    from cxpilot.warehouse.selectors import file_validated

    tables = {}
    for name, path in (
        ("interactions", interactions),
        ("responses", responses),
        ("transactions", transactions),
    ):
        checked = file_validated(table=name, path=path)
        checked.raise_if_bad(analysing=True)
        tables[name] = checked.data
    con = ibis.duckdb.connect()
    try:
        t = {name: con.create_table(name, data) for name, data in tables.items()}
        r = t["responses"].mutate(person=t["responses"].customer_id)
        i = t["interactions"].mutate(person=t["interactions"].customer_id)
        x = t["transactions"]
        x = x.filter(x.amount > 0).mutate(person=x.customer_id)
        yield Sources(
            answers=r,
            interactions=i,
            purchases=x,
            segments=None,
            names={},
            relationship_candidates=None,
            in_warehouse=False,
        )
    finally:
        con.disconnect()


# ----------------------------------------------------------------------------- the model


def _relationship_touchpoint(sources: Sources, named: str | None) -> str:
    """The touchpoint whose NPS is the relationship NPS: ``named`` (checked: it must carry
    NPS answers), else the one outside every journey stage answered by the most persons."""
    r = sources.answers
    nps = r.filter(r.metric == "nps")
    if named is not None:
        count = int(nps.filter(nps.touchpoint == named).count().execute())
        if count == 0:
            raise ValidationError(
                f"no NPS answer at the touchpoint {named!r}: it cannot be the relationship NPS",
                where="--outcome-touchpoint",
            )
        return named
    candidates = sources.relationship_candidates
    if not candidates:
        raise ValidationError(
            "no relationship touchpoint: name the touchpoint whose NPS is the relationship "
            "NPS with --outcome-touchpoint"
            + ("" if candidates is None else " (no touchpoint lies outside every journey stage)"),
            where="--outcome-touchpoint",
        )
    persons = (
        nps.filter(nps.touchpoint.isin(candidates))
        .group_by("touchpoint")
        .aggregate(persons=nps.person.nunique())
        .order_by([ibis.desc("persons"), "touchpoint"])
        .to_pyarrow()
        .to_pylist()
    )
    if not persons or persons[0]["persons"] < MIN_RELATIONSHIP_PERSONS:
        raise ValidationError(
            "no relationship NPS: no touchpoint outside the journey stages has the NPS of "
            f"{MIN_RELATIONSHIP_PERSONS} persons or more; name one with --outcome-touchpoint",
            where="--outcome-touchpoint",
        )
    return str(persons[0]["touchpoint"])


def features(
    sources: Sources,
    *,
    outcome: str,
    thresholds: dict[str, int],
    data_end: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
    outcome_touchpoint: str | None = None,
) -> Any:
    """The model matrix as an Ibis expression: one row per answer in the observable window,
    ``source, response_id, touchpoint, person, poor, y, segment, channel, tenure_days,
    recent, month``."""
    r = sources.answers
    r = r.filter(r.metric.isin(list(thresholds)) & r.score.notnull() & r.person.notnull())
    if outcome == "nps":
        r = r.filter(r.touchpoint != outcome_touchpoint)
    if start:
        r = r.filter(r.timestamp >= dt.datetime.combine(start, dt.time()))
    if end:
        r = r.filter(r.timestamp < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    if outcome == "repeat":
        r = r.filter(r.timestamp <= data_end - dt.timedelta(days=REPEAT_DAYS))
    elif outcome == "churn":
        r = r.filter(r.timestamp <= data_end - dt.timedelta(days=CHURN_DAYS))
    poor = ibis.or_(
        *[(r.metric == metric) & (r.score <= limit) for metric, limit in thresholds.items()]
    )
    a = r.select(
        "source",
        "response_id",
        "person",
        "touchpoint",
        t=r.timestamp,
        poor=poor.ifelse(1, 0),  # (PostgreSQL casts no boolean to bigint)
        channel=r.channel.fill_null(UNKNOWN),
        aid=ibis.row_number().over(
            order_by=[r.source, r.response_id, r.touchpoint, r.metric, r.timestamp]
        ),
    )
    if sources.segments is not None:
        g = sources.segments
        a = a.left_join(g, a.person == g.person).select(a, segment=g.segment.fill_null(UNKNOWN))
        if segment is not None:
            a = a.filter(a.segment == segment)
    else:
        a = a.mutate(segment=ibis.literal(UNKNOWN))
    # Each step joins the answers to another table and groups by every answer column (an
    # answer is one group: ``aid`` is unique), so that the answers flow through one
    # lineage and are never joined back to a table derived from themselves.
    p = sources.purchases
    p = p.select(pp=p.person, pt=p.timestamp)
    if outcome == "repeat":
        joined = a.left_join(
            p,
            [
                a.person == p.pp,
                p.pt > a.t,
                p.pt <= a.t + ibis.interval(days=REPEAT_DAYS),
            ],
        )
        a = joined.group_by(list(a.columns)).aggregate(bought=joined.pt.count())
        a = a.mutate(y=(a.bought > 0).ifelse(1.0, 0.0)).drop("bought")
    elif outcome == "churn":
        last = p.group_by("pp").aggregate(last=p.pt.max())
        a = a.left_join(last, a.person == last.pp).select(
            a, y=(last["last"].isnull() | (last["last"] <= a.t)).ifelse(1.0, 0.0)
        )
    else:
        a = _with_next_relationship(a, sources.answers, outcome_touchpoint)
    i = sources.interactions
    i = i.select(ip=i.person, it=i.timestamp)
    seen = (
        i.rename(sp="ip", ts="it")
        .union(p.rename(sp="pp", ts="pt"))
        .group_by("sp")
        .aggregate(first=ibis._.ts.min())
    )
    a = a.left_join(seen, a.person == seen.sp).select(
        a,
        tenure_days=ibis.greatest(
            ((a.t.epoch_seconds() - seen["first"].epoch_seconds()) / 86400.0).fill_null(0.0),
            0.0,
        ),
    )
    joined = a.left_join(
        i,
        [a.person == i.ip, i.it < a.t, i.it >= a.t - ibis.interval(days=365)],
    )
    a = joined.group_by(list(a.columns)).aggregate(recent=joined.it.count())
    return a.select(
        "source",
        "response_id",
        "touchpoint",
        "person",
        "poor",
        "y",
        "segment",
        "channel",
        "tenure_days",
        "recent",
        month=a.t.strftime("%Y-%m"),
    )


def _with_next_relationship(a: Any, answers: Any, touchpoint: str | None) -> Any:
    """``a`` (answers: ``person``, ``t``…) with ``y``: the person's next relationship NPS
    answer after ``t`` (strictly) as +100/0/−100; answers without one are left out. One
    window over the answers and the relationship answers of each person in time order: the
    minimum, over the rows that follow, of ``seconds × 16 + score`` gives the next
    relationship answer's score (a score is 0–10, below 16); a relationship answer at the
    same second as an answer is put before it, so it is not "later"."""
    o = answers.filter(
        (answers.touchpoint == touchpoint)
        & (answers.metric == "nps")
        & answers.score.notnull()
        & answers.person.notnull()
    )
    empty = {name: ibis.null(a.schema()[name]) for name in a.columns}
    rel = o.select(
        **{**empty, "person": o.person, "t": o.timestamp},
        code=o.timestamp.epoch_seconds().cast("int64") * 16 + o.score.cast("int64"),
        rel=ibis.literal(1),
    )
    both = a.mutate(code=ibis.null("int64"), rel=ibis.literal(0)).union(rel)
    w = ibis.window(group_by=both.person, order_by=[both.t, ibis.desc(both.rel)], rows=(1, None))
    both = both.mutate(next_code=both.code.min().over(w))
    later = both.filter((both.rel == 0) & both.next_code.notnull())
    score = later.next_code % 16
    return later.mutate(y=ibis.cases((score >= 9, 100.0), (score <= 6, -100.0), else_=0.0)).drop(
        "code", "rel", "next_code"
    )


def _moments(
    sources: Sources,
    *,
    outcome: str,
    start: dt.date | None,
    end: dt.date | None,
    segment: str | None,
    outcome_touchpoint: str | None,
) -> Moments:
    from cxpilot.loop.selectors import poor_thresholds

    thresholds = poor_thresholds()
    p = sources.purchases
    data_end = p.timestamp.max().execute()
    import pandas as pd

    if data_end is None or pd.isna(data_end):
        raise ValidationError(
            "no purchase (a transaction with a positive amount) in the data: the outcomes "
            "of the moments of truth are purchases and later answers, measured against the "
            "last purchase",
            where="--transactions" if not sources.in_warehouse else "transactions",
        )
    data_end = _as_datetime(data_end)
    if segment is not None and sources.segments is not None:
        g = sources.segments
        if int(g.filter(g.segment == segment).count().execute()) == 0:
            known = sorted(
                str(s)
                for s in g.select("segment").distinct().to_pyarrow().column(0).to_pylist()
                if s is not None
            )
            raise ValidationError(
                f"no person in the segment {segment!r} (known: {', '.join(known) or 'none'})",
                where="--segment",
            )
    relationship = None
    if outcome == "nps":
        relationship = _relationship_touchpoint(sources, outcome_touchpoint)
    matrix = features(
        sources,
        outcome=outcome,
        thresholds=thresholds,
        data_end=data_end,
        start=start,
        end=end,
        segment=segment,
        outcome_touchpoint=relationship,
    ).to_pandas()
    method = METHOD.format(
        nps_max=thresholds["nps"],
        ces_max=thresholds["ces"],
        csat_max=thresholds["csat"],
        unit=UNITS[outcome],
        window=WINDOWS[outcome],
        harm=HARMS[outcome],
    )
    found = Moments(
        outcome=outcome,
        unit=UNITS[outcome],
        method=method,
        outcome_touchpoint=relationship,
        data_end=data_end.isoformat(sep=" "),
    )
    if not sources.in_warehouse:
        found.notes.append("a file has no unified customers: each customer id is a person")
    if matrix.empty:
        raise ValidationError(
            "no answer in the observable window of this outcome"
            + (f" ({WINDOWS[outcome]})" if outcome != "nps" else " (no later relationship NPS)"),
            where="--from" if start or end else "responses",
        )
    scale = 100.0 if outcome in ("repeat", "churn") else 1.0
    for touchpoint, rows in sorted(matrix.groupby("touchpoint"), key=lambda kv: str(kv[0])):
        key = str(touchpoint)
        counts = {
            "touchpoint": key,
            "touchpoint_name": sources.names.get(key, key),
            "n": len(rows),
            "exposed": int(rows.poor.sum()),
            "persons": int(rows.person.nunique()),
        }
        reason = _too_few(counts)
        if reason:
            found.not_estimated.append({**counts, "reason": reason})
            continue
        fit = _fit(rows)
        if not math.isfinite(fit.se) or fit.se <= 0:
            found.not_estimated.append(
                {**counts, "reason": "a poor experience here goes with the controls alone"}
            )
            continue
        found.rows.append(
            {
                "touchpoint": key,
                "touchpoint_name": counts["touchpoint_name"],
                "effect": round(fit.coef * scale, 2),
                "ci_low": round(fit.ci_low * scale, 2),
                "ci_high": round(fit.ci_high * scale, 2),
                "p_value": float(f"{fit.p_value:.3g}"),
                "n": counts["n"],
                "exposed": counts["exposed"],
                "persons": counts["persons"],
            }
        )
    found.rows.sort(key=lambda row: (-HARM[outcome] * row["effect"], row["touchpoint"]))
    for rank, row in enumerate(found.rows, start=1):
        row["rank"] = rank
    return found


def _as_datetime(value: Any) -> dt.datetime:
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime.combine(value, dt.time())


def _too_few(counts: dict[str, Any]) -> str:
    n, exposed = counts["n"], counts["exposed"]
    if n < MIN_ANSWERS:
        return f"{n} answers in the window, fewer than {MIN_ANSWERS}"
    if exposed < MIN_EXPOSED:
        return f"{exposed} poor answers, fewer than {MIN_EXPOSED}"
    if n - exposed < MIN_EXPOSED:
        return f"{n - exposed} answers that are not poor, fewer than {MIN_EXPOSED}"
    if counts["persons"] < MIN_EXPOSED:
        return f"{counts['persons']} persons, fewer than {MIN_EXPOSED}"
    return ""


def _fit(rows: Any) -> Any:
    """The cluster-robust OLS of one touchpoint's rows: constant, poor, then the controls
    (categories as indicators, the first level of each left out)."""
    import numpy as np
    import pandas as pd

    from cxpilot.kernel.regression import cluster_ols

    categories = pd.get_dummies(
        rows[["segment", "channel", "month"]].astype(str), drop_first=True, dtype=float
    )
    numeric = pd.DataFrame(
        {
            "tenure_years": rows.tenure_days.astype(float) / 365.25,
            "log_recent": np.log1p(rows.recent.astype(float)),
        },
        index=rows.index,
    )
    controls = np.column_stack([numeric.to_numpy(), categories.to_numpy()])
    controls = controls[:, np.ptp(controls, axis=0) > 0]  # a control that never varies here
    x = np.column_stack([np.ones(len(rows)), rows.poor.astype(float).to_numpy(), controls])
    return cluster_ols(rows.y.astype(float).to_numpy(), x, rows.person.to_numpy(), column=1)
