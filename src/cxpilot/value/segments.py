"""Customer equity by value × risk: each valued customer (a person of ``customer_value``) in
a value tier and a risk tier, the 3 × 3 matrix of customers, equity and CLV at risk, the
customers of one cell, and follow-up cases for them.

**Value tiers** rank the customers by CLV, highest first, over the whole customer base (a
segment filter does not move anyone's tier): ``high`` the top :data:`VALUE_CUTS` [0] share
(20 %), ``medium`` the next ones up to :data:`VALUE_CUTS` [1] (the next 30 %, to 50 %),
``low`` the rest. A customer's place is ``rank / n`` where ``rank`` is the number of customers
with a strictly higher CLV: customers of equal CLV share a tier (the higher one).

**Risk** is the customer's churn risk of ``churn_scores`` (a calibrated classifier) when that
table exists and scores them, else 1 − ``p_alive`` (the BG/NBD probability that a
non-contractual customer has left). Risk tiers: ``high`` risk ≥ :data:`RISK_CUTS` [0]
(0.5), ``medium`` ≥ :data:`RISK_CUTS` [1] (0.2), ``low`` below.

Per cell: ``customers``, ``equity`` = Σ CLV and ``clv_at_risk`` = Σ CLV × risk (the value
expected to be lost if nothing changes). Customers without a CLV or a risk are left out and
counted apart (``unvalued``). Everything is computed in the engine, one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis

from cxpilot.kernel.errors import ValidationError

#: The tiers, in the order the matrix shows them.
TIERS = ("high", "medium", "low")
#: Value tiers: the share of customers (by CLV, highest first) up to the end of ``high``,
#: then of ``medium``.
VALUE_CUTS = (0.2, 0.5)
#: Risk tiers: the least risk of ``high``, then of ``medium``.
RISK_CUTS = (0.5, 0.2)
#: The digits a risk is rounded to before it is tiered.
RISK_DIGITS = 12
#: How a cell's list may be sorted.
SORTS = ("-clv", "clv", "-risk", "risk")
#: The longest segment name accepted as a filter.
MAX_SEGMENT = 200


def default_reason(value: str, risk: str) -> str:
    """The reason of the follow-up cases opened for the cell ``value`` × ``risk`` (e.g.
    "medium value at high risk"), in the active language."""
    from django.utils.translation import gettext

    names = {"high": gettext("high"), "medium": gettext("medium"), "low": gettext("low")}
    return gettext("%(value)s value at %(risk)s risk") % {
        "value": names.get(value, value),
        "risk": names.get(risk, risk),
    }


@dataclass(frozen=True)
class Cuts:
    """Where the tiers split (see the module's documentation)."""

    value: tuple[float, float] = VALUE_CUTS
    risk: tuple[float, float] = RISK_CUTS

    def as_dict(self) -> dict[str, Any]:
        return {
            "value_high_share": self.value[0],
            "value_medium_share": round(self.value[1] - self.value[0], 10),
            "risk_high_from": self.risk[0],
            "risk_medium_from": self.risk[1],
        }


def cuts_checked(
    value: tuple[float, float] = VALUE_CUTS, risk: tuple[float, float] = RISK_CUTS
) -> Cuts:
    """:class:`Cuts` after checking them: 0 < value[0] < value[1] ≤ 1 and
    0 < risk[1] < risk[0] ≤ 1."""
    v = tuple(float(x) for x in value)
    r = tuple(float(x) for x in risk)
    if len(v) != 2 or not (0 < v[0] < v[1] <= 1):
        raise ValidationError(
            "the value cuts are two shares 0 < top < top + next ≤ 1, e.g. 0.2,0.5",
            where="--value-cuts",
        )
    if len(r) != 2 or not (0 < r[1] < r[0] <= 1):
        raise ValidationError(
            "the risk cuts are two risks 0 < medium < high ≤ 1, e.g. 0.5,0.2",
            where="--risk-cuts",
        )
    return Cuts(value=(v[0], v[1]), risk=(r[0], r[1]))


def parse_cuts(text: str, where: str) -> tuple[float, float]:
    """Two numbers written ``a,b``."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        found = tuple(float(p) for p in parts)
    except ValueError:
        found = ()
    if len(found) != 2 or any(x != x or x in (float("inf"), float("-inf")) for x in found):
        raise ValidationError(f"give two numbers a,b, not {text[:40]!r}", where=where)
    return (found[0], found[1])


def tier_checked(tier: str, where: str) -> str:
    if tier not in TIERS:
        raise ValidationError(
            f"the tier is one of {', '.join(TIERS)}, not {str(tier)[:40]!r}", where=where
        )
    return tier


def _tiered(con: Any, cuts: Cuts) -> Any:
    """``customer_value`` with ``risk``, ``risk_source``, ``value_tier`` and ``risk_tier``
    (an Ibis expression of ``con``), the unvalued customers left out."""
    from cxpilot.value.selectors import churn_scores, customer_values

    t = customer_values(con)
    t = t.filter(t.clv.notnull() & ~t.clv.isnan() & t.p_alive.notnull() & ~t.p_alive.isnan())
    try:
        c = churn_scores(con)
    except ValidationError:
        c = None
    if c is not None:
        c = c.filter(c.risk.notnull() & ~c.risk.isnan()).select(
            churn_customer="customer", churn_risk="risk"
        )
        t = t.left_join(c, t.customer == c.churn_customer).drop("churn_customer")
        # a customer the churn model did not score had no purchase and no interaction in
        # its window before the scoring day: by the model's own label, already lapsed (BG/NBD
        # would call a one-time buyer of long ago alive: P(alive) is 1 without a repeat)
        risk = ibis.coalesce(t.churn_risk, ibis.literal(1.0))
        source = ibis.ifelse(t.churn_risk.notnull(), "churn_model", "lapsed")
        t = t.mutate(risk=risk, risk_source=source).drop("churn_risk")
    else:
        t = t.mutate(risk=1.0 - t.p_alive, risk_source=ibis.literal("p_alive"))
    # 1 − 0.8 is 0.19999999999999996 in floating point: rounded, a risk shown as 0.2 is
    # tiered as 0.2
    t = t.mutate(risk=t.risk.round(RISK_DIGITS))
    n = t.count().as_scalar()
    place = ibis.rank().over(order_by=t.clv.desc()).cast("float64") / n.cast("float64")
    t = t.mutate(place=place)
    value_tier = ibis.cases(
        (t.place < cuts.value[0], "high"), (t.place < cuts.value[1], "medium"), else_="low"
    )
    risk_tier = ibis.cases(
        (t.risk >= cuts.risk[0], "high"), (t.risk >= cuts.risk[1], "medium"), else_="low"
    )
    return t.mutate(value_tier=value_tier, risk_tier=risk_tier).drop("place")


def _segment_checked(con: Any, segment: str | None) -> str | None:
    """``segment`` if some valued customer is of it; a ValidationError naming the known ones
    otherwise."""
    text = str(segment or "").strip()
    if not text:
        return None
    if len(text) > MAX_SEGMENT or not text.isprintable():
        raise ValidationError("not a segment name", where="segment")
    known = segments(con)
    if text not in known:
        shown = ", ".join(known[:20]) or "none"
        raise ValidationError(
            f"no valued customer is in the segment {text[:40]!r}; the segments are: {shown}",
            where="segment",
        )
    return text


def segments(con: Any) -> list[str]:
    """The segments of the valued customers, sorted."""
    from cxpilot.value.selectors import customer_values

    t = customer_values(con)
    rows = t.filter(t.segment.notnull()).select("segment").distinct().to_pyarrow()
    return sorted(str(s) for s in rows.column("segment").to_pylist())


@dataclass(frozen=True)
class Cell:
    value: str
    risk: str
    customers: int
    equity: float
    clv_at_risk: float

    @property
    def key(self) -> str:
        return f"{self.value}-{self.risk}"


@dataclass(frozen=True)
class Matrix:
    """The nine cells, high value at high risk first (value tier, then risk tier, each high
    to low), and the totals."""

    cells: list[Cell]
    cuts: Cuts
    segment: str | None
    unvalued: int
    risk_from_model: int
    segments: list[str] = field(default_factory=list)

    @property
    def customers(self) -> int:
        return sum(c.customers for c in self.cells)

    @property
    def equity(self) -> float:
        return sum(c.equity for c in self.cells)

    @property
    def clv_at_risk(self) -> float:
        return sum(c.clv_at_risk for c in self.cells)

    def cell(self, value: str, risk: str) -> Cell:
        return next(c for c in self.cells if c.value == value and c.risk == risk)

    def rows(self) -> list[dict[str, Any]]:
        """The cells as rows of stable snake_case keys (the CLI's and the page's table)."""
        return [
            {
                "value": c.value,
                "risk": c.risk,
                "customers": c.customers,
                "equity": round(c.equity, 2),
                "clv_at_risk": round(c.clv_at_risk, 2),
                "share_of_equity": round(c.equity / self.equity, 4) if self.equity else None,
            }
            for c in self.cells
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "cuts": self.cuts.as_dict(),
            "customers": self.customers,
            "equity": round(self.equity, 2),
            "clv_at_risk": round(self.clv_at_risk, 2),
            "unvalued": self.unvalued,
            "risk_from_churn_model": self.risk_from_model,
            "cells": self.rows(),
        }


def value_risk_matrix(con: Any, *, segment: str | None = None, cuts: Cuts | None = None) -> Matrix:
    """The value × risk matrix of the customers of ``con``'s ``customer_value`` (those of
    ``segment`` only, when given), in one grouped query."""
    from cxpilot.value.selectors import customer_values

    cuts = cuts or Cuts()
    known = segments(con)
    segment = _segment_checked(con, segment)
    t = _tiered(con, cuts)
    all_rows = customer_values(con)
    if segment is not None:
        t = t.filter(t.segment == segment)
        all_rows = all_rows.filter(all_rows.segment == segment)
    grouped = t.group_by(["value_tier", "risk_tier"]).aggregate(
        customers=t.count(),
        equity=t.clv.sum(),
        clv_at_risk=(t.clv * t.risk).sum(),
        from_model=(t.risk_source == "churn_model").sum(),
    )
    rows = {(r["value_tier"], r["risk_tier"]): r for r in grouped.to_pyarrow().to_pylist()}
    total = int(all_rows.count().to_pyarrow().as_py())
    cells = []
    for value in TIERS:
        for risk in TIERS:
            r = rows.get((value, risk), {})
            cells.append(
                Cell(
                    value=value,
                    risk=risk,
                    customers=int(r.get("customers") or 0),
                    equity=float(r.get("equity") or 0.0),
                    clv_at_risk=float(r.get("clv_at_risk") or 0.0),
                )
            )
    valued = sum(c.customers for c in cells)
    return Matrix(
        cells=cells,
        cuts=cuts,
        segment=segment,
        unvalued=total - valued,
        risk_from_model=sum(int(r.get("from_model") or 0) for r in rows.values()),
        segments=known,
    )


#: The columns of a cell's list (and its CSV), in order.
LIST_COLUMNS = (
    "customer",
    "customer_key",
    "segment",
    "value_tier",
    "risk_tier",
    "clv",
    "clv_low",
    "clv_high",
    "risk",
    "risk_source",
    "p_alive",
    "expected_purchases",
    "revenue_12m",
)
#: The most rows one page of a list holds.
MAX_PAGE = 1000


@dataclass(frozen=True)
class CustomerList:
    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int | None


def cell_customers(
    con: Any,
    *,
    value: str,
    risk: str,
    segment: str | None = None,
    cuts: Cuts | None = None,
    sort: str = "-clv",
    offset: int = 0,
    limit: int | None = 50,
) -> CustomerList:
    """The customers of the cell ``value`` × ``risk`` (of ``segment`` when given), sorted by
    ``sort`` (:data:`SORTS`; ties by customer id), ``limit`` of them from ``offset``
    (``limit`` None: all)."""
    tier_checked(value, "value")
    tier_checked(risk, "risk")
    if sort not in SORTS:
        raise ValidationError(
            f"the sort is one of {', '.join(SORTS)}, not {sort[:40]!r}", where="sort"
        )
    if offset < 0:
        raise ValidationError("the offset is 0 or more", where="offset")
    if limit is not None and not (1 <= limit <= MAX_PAGE):
        raise ValidationError(f"a page holds 1 to {MAX_PAGE} customers", where="limit")
    segment = _segment_checked(con, segment)
    t = _tiered(con, cuts or Cuts())
    t = t.filter((t.value_tier == value) & (t.risk_tier == risk))
    if segment is not None:
        t = t.filter(t.segment == segment)
    total = int(t.count().to_pyarrow().as_py())
    column = sort.lstrip("-")
    key = t[column].desc() if sort.startswith("-") else t[column].asc()
    ordered = t.order_by([key, t.customer.asc()]).select(
        *(c for c in LIST_COLUMNS if c != "customer_key")
    )
    if limit is not None:
        ordered = ordered.limit(limit, offset=offset)
    rows = [
        {"customer": r["customer"], "customer_key": customer_key(r["customer"]), **r}
        for r in ordered.to_pyarrow().to_pylist()
    ]
    return CustomerList(rows=rows, total=total, offset=offset, limit=limit)


def customer_key(person: str) -> str:
    """How a customer is named to people: the person id, or ``source:customer_id`` for a
    record no resolution has seen (whose person id is the record's own key)."""
    from cxpilot.customers.selectors import UNRESOLVED_PREFIX

    parts = str(person).split(UNRESOLVED_PREFIX)
    if str(person).startswith(UNRESOLVED_PREFIX) and len(parts) == 3:
        return f"{parts[1]}:{parts[2]}"
    return str(person)


def person_records(con: Any, persons: list[str]) -> dict[str, tuple[str, str]]:
    """One customer record ``(source, customer_id)`` per person of ``persons``: the first
    (by source, then customer id) of the person's records in the customers, or, for a record
    that no resolution has seen (whose person id is the record's own key), that record."""
    from cxpilot.customers.selectors import UNRESOLVED_PREFIX, answers_with_person

    found: dict[str, tuple[str, str]] = {}
    resolved = []
    for person in persons:
        parts = person.split(UNRESOLVED_PREFIX)
        if person.startswith(UNRESOLVED_PREFIX) and len(parts) == 3 and parts[1] and parts[2]:
            found[person] = (parts[1], parts[2])
        else:
            resolved.append(person)
    if resolved and "customers" in con.list_tables():
        c = answers_with_person(con, con.table("customers").select("source", "customer_id"))
        c = c.filter(c.person.isin(resolved))
        first = ibis.row_number().over(group_by=c.person, order_by=[c.source, c.customer_id])
        c = c.mutate(first=first).filter(lambda r: r.first == 0)
        for r in c.select("person", "source", "customer_id").to_pyarrow().to_pylist():
            found[str(r["person"])] = (str(r["source"]), str(r["customer_id"]))
    return found


@dataclass(frozen=True)
class CasesOpened:
    opened: int
    customers: int
    without_record: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "customers": self.customers,
            "already_open": self.customers - self.opened - len(self.without_record),
            "without_record": self.without_record,
        }


#: The most customers one click opens cases for.
MAX_CASES = 5000


def segment_cases_open(
    *,
    actor: Any,
    value: str,
    risk: str,
    reason: str | None = None,
    segment: str | None = None,
    customers: list[str] | None = None,
    cuts: Cuts | None = None,
) -> CasesOpened:
    """Open a retention follow-up case for each customer of the cell ``value`` × ``risk``
    (of ``segment``; only those of ``customers`` when given — person ids or customer keys:
    the ones checked on the page),
    through the loop's :func:`~cxpilot.loop.services.retention_cases_open` (its roles, its
    transaction, its idempotence: no second open retention case for a customer, whatever the
    reason). ``None`` for ``reason`` is the cell's (:func:`default_reason`); an empty one is
    refused. A case is keyed by a customer record: each person's first one; a person with no
    record in the customers is counted in ``without_record``."""
    from cxpilot.kernel import roles
    from cxpilot.loop.services import retention_cases_open
    from cxpilot.warehouse.connection import warehouse

    roles.require(actor, "value.view_value")
    roles.require(actor, "loop.change_followupcase")
    with warehouse() as con:
        found = cell_customers(
            con, value=value, risk=risk, segment=segment, cuts=cuts, limit=None
        ).rows
        persons = [str(r["customer"]) for r in found]
        if customers is not None:
            # a customer is named by their person id or their key (:func:`customer_key`)
            named = {str(r["customer_key"]): str(r["customer"]) for r in found}
            named.update({p: p for p in persons})
            unknown = [c for c in dict.fromkeys(customers) if c not in named]
            if unknown:
                raise ValidationError(
                    f"{len(unknown)} customer(s) are not in this cell, e.g. {unknown[0][:40]!r}",
                    where="customers",
                )
            chosen = {named[c] for c in customers}
            persons = [p for p in persons if p in chosen]
        if len(persons) > MAX_CASES:
            raise ValidationError(
                f"{len(persons):,} customers: open at most {MAX_CASES:,} cases at once "
                "(filter by segment, or check the customers)",
                where="customers",
            )
        records = person_records(con, persons)
    missing = [p for p in persons if p not in records]
    opened = retention_cases_open(
        actor=actor,
        records=[records[p] for p in persons if p in records],
        reason=default_reason(value, risk) if reason is None else reason,
    )
    return CasesOpened(opened=len(opened), customers=len(persons), without_record=missing)


def matrix_spec(matrix: Matrix) -> dict[str, Any]:
    """The matrix as a Vega-Lite heatmap (Altair): value tiers down (high first), risk tiers
    across (high first), each cell coloured by its CLV at risk and labelled with its count of
    customers only (short, in a small font: three cells fit a phone's 375 px; the tooltip
    and the table beneath say the rest); every text in the data, in the active language."""
    import altair as alt
    from django.utils.formats import number_format
    from django.utils.translation import gettext, ngettext

    from cxpilot.kernel.charts import INK, finish

    names = {"high": gettext("high"), "medium": gettext("medium"), "low": gettext("low")}
    value_title, risk_title = gettext("Value"), gettext("Risk")
    rows = [
        {
            "value": names[c.value],
            "risk": names[c.risk],
            "at_risk": round(c.clv_at_risk, 2),
            "label": ngettext("%(n)s customer", "%(n)s customers", c.customers)
            % {"n": number_format(c.customers, 0, True, True)},
            "count": number_format(c.customers, 0, True, True),
            "at_risk_label": number_format(round(c.clv_at_risk), 0, True, True),
        }
        for c in matrix.cells
    ]
    order = [names[t] for t in TIERS]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("risk:N", sort=order, title=risk_title, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("value:N", sort=order, title=value_title),
    )
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color(
            "at_risk:Q",
            scale=alt.Scale(range=["#fdf1f1", "#e39a9c"]),  # ink stays readable
            title=gettext("CLV at risk"),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("value:N", title=value_title),
            alt.Tooltip("risk:N", title=risk_title),
            alt.Tooltip("label:N", title=gettext("Customers")),
            alt.Tooltip("at_risk_label:N", title=gettext("CLV at risk")),
        ],
    )
    text = base.mark_text(baseline="middle", color=INK, fontSize=11, limit=90).encode(
        text="count:N"
    )
    chart = (cells + text).properties(width="container", height=240)
    return finish(chart)
