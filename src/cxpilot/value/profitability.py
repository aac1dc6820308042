"""Customer profitability: the margin a customer brings minus what serving them costs.

Per **customer** (a person: every record of a unified customer; a record not resolved yet
is its own person), over a period (both days included):

    revenue = Σ amount of their transactions (a refund is negative and takes away)
    margin  = Σ (transaction margin, or amount × default margin rate where the file gives none)
    cost    = Σ cost to serve of their interactions
    profit  = margin − cost; a customer **loses money** when profit < 0

The cost to serve of an interaction is its own ``cost`` when the data gives one (0 included);
otherwise the cost rule that fits it best: type and channel, else type alone, else channel
alone, else the rule for any interaction (type and channel empty); else nothing (counted as
not costed). A **customer** is a person with at least one transaction in the period; the
cost of people without one is told apart (``non_buyers``).

The engine does the work: each person's figures are summed once into a temporary table (the
rules joined as a small table), then each view is one grouped query over it: per customer,
per segment (the person's golden segment, else their record's), per touchpoint, and the
costs of the loss-makers against the others' by interaction type and touchpoint (the
"why"). The share of loss-makers has a Wilson 95 % interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np

from cxpilot.kernel.errors import ValidationError

VIEWS = ("customer", "segment", "touchpoint")
#: Bars of the histogram of profit per customer.
BINS = 20


# --- pure ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A cost to serve of one interaction of ``type`` on ``channel`` ("" = any)."""

    type: str
    channel: str
    cost: float


def rule_tiers(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """The rules by how specific they are: ``type_channel``, ``type``, ``channel``, ``any``;
    the first tier that fits an interaction wins."""
    tiers: dict[str, list[Rule]] = {"type_channel": [], "type": [], "channel": [], "any": []}
    for r in rules:
        key = (
            ("type_channel" if r.channel else "type")
            if r.type
            else ("channel" if r.channel else "any")
        )
        tiers[key].append(r)
    return tiers


def rule_cost(rules: Iterable[Rule], *, type: str | None, channel: str | None) -> float | None:
    """The cost the best-fitting rule gives an interaction of ``type`` on ``channel``, or
    None: the same precedence as the engine's query, for one interaction (tests, forms)."""
    tiers = rule_tiers(rules)
    for key, fits in (
        ("type_channel", lambda r: r.type == type and r.channel == channel),
        ("type", lambda r: r.type == type),
        ("channel", lambda r: r.channel == channel),
        ("any", lambda r: True),
    ):
        for r in tiers[key]:
            if fits(r):
                return r.cost
    return None


def profit_histogram(
    profits: Sequence[float] | np.ndarray, bins: int = BINS
) -> list[dict[str, Any]]:
    """Bars of equal width over the 1st–99th percentiles of ``profits``, one edge at 0 when
    the range crosses it (losses and gains never share a bar); the customers beyond those
    percentiles are counted in the first and last bar (``open_low``, ``open_high``). Each
    bar: ``low``, ``high``, ``customers``, ``loss`` (the bar is below 0)."""
    values = np.asarray(profits, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return []
    lo, hi = (float(v) for v in np.quantile(values, [0.01, 0.99]))
    if hi <= lo:
        return [
            {"low": lo, "high": hi, "customers": int(values.size), "loss": hi < 0,
             "open_low": False, "open_high": False}
        ]  # fmt: skip
    width = _nice((hi - lo) / bins)
    edges = width * np.arange(math.floor(lo / width), math.ceil(hi / width) + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(index, minlength=len(edges) - 1)
    last = len(edges) - 2
    return [
        {
            "low": float(edges[i]),
            "high": float(edges[i + 1]),
            "customers": int(counts[i]),
            "loss": bool(edges[i + 1] <= 0),
            "open_low": i == 0 and bool(values.min() < edges[0]),
            "open_high": i == last and bool(values.max() > edges[-1]),
        }
        for i in range(len(edges) - 1)
    ]


def _nice(step: float) -> float:
    """``step`` rounded up to 1, 2 or 5 times a power of ten."""
    power = 10 ** math.floor(math.log10(step))
    for m in (1, 2, 5, 10):
        if step <= m * power:
            return float(m * power)
    return float(10 * power)  # pragma: no cover


def loss_share(loss_makers: int, customers: int) -> dict[str, float | None]:
    """The share of loss-makers in percent with its Wilson 95 % interval
    (:func:`cxpilot.analytics.stats.wilson`)."""
    from cxpilot.analytics.stats import wilson

    if customers <= 0:
        return {"share": None, "ci_low": None, "ci_high": None}
    w = wilson(loss_makers, customers)
    return {
        "share": float(w.score),
        "ci_low": float(w.ci_low),
        "ci_high": float(w.ci_high),
    }


# --- the engine's queries --------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    segment: str | None = None

    def checked(self) -> Filters:
        if self.start and self.end and self.end < self.start:
            raise ValidationError("--to is before --from", where="--to")
        return self


def check_view(value: str) -> str:
    text = (value or "").strip().lower()
    if text not in VIEWS:
        raise ValidationError(f"{value!r} is not one of {', '.join(VIEWS)}", where="--by")
    return text


def _in_period(t: Any, f: Filters) -> Any:
    if f.start:
        t = t.filter(t.timestamp >= dt.datetime.combine(f.start, dt.time()))
    if f.end:
        t = t.filter(t.timestamp < dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time()))
    return t


def _with_person_segment(con: Any, t: Any) -> Any:
    """``t`` (with ``source``, ``customer_id``) with its ``person`` and that person's
    ``segment``: the golden record's, else the record's own."""
    from cxpilot.customers.selectors import answers_with_person, golden_segments

    t = answers_with_person(con, t)
    c = con.table("customers")
    c = c.select(c.source, c.customer_id, own=c.segment)
    # a projection of its own first: Ibis cannot join on a column computed in a join chain
    t = t.select(*t.columns)
    t = t.left_join(c, (t.source == c.source) & (t.customer_id == c.customer_id)).select(t, c.own)
    g = golden_segments(con)
    t = t.select(*t.columns)
    t = t.left_join(g, t.person == g.person_id).select(t, g.segment)
    return t.mutate(segment=ibis.coalesce(t.segment, t.own)).drop("own")


def costed_interactions(interactions: Any, rules: Sequence[Rule]) -> Any:
    """``interactions`` with ``cost_to_serve``: the interaction's own cost, else the
    best-fitting rule's (each tier joined as a small table), else null."""
    tiers = rule_tiers(rules)
    t = interactions
    names: list[str] = []
    for tier, keys in (
        ("type_channel", ("type", "channel")),
        ("type", ("type",)),
        ("channel", ("channel",)),
    ):
        if not tiers[tier]:
            continue
        n = len(names) + 1
        data: dict[str, list[Any]] = {
            f"r{n}_{k}": [getattr(x, k) for x in tiers[tier]] for k in keys
        }
        data[f"r{n}_cost"] = [float(x.cost) for x in tiers[tier]]
        schema = {**{f"r{n}_{k}": "string" for k in keys}, f"r{n}_cost": "float64"}
        r = ibis.memtable(data, schema=schema)
        on = [t[k] == r[f"r{n}_{k}"] for k in keys]
        t = t.left_join(r, on).select(t, r[f"r{n}_cost"])
        t = t.select(*t.columns)  # a projection of its own before the next join
        names.append(f"r{n}_cost")
    chosen = [t[name] for name in names]
    if tiers["any"]:
        chosen.append(ibis.literal(float(tiers["any"][0].cost), type="float64"))
    own = t.cost.cast("float64")
    t = t.mutate(cost_to_serve=ibis.coalesce(own, *chosen) if chosen else own)
    return t.drop(*names) if names else t


def customer_table(
    con: Any, *, rules: Sequence[Rule], margin_rate: float, filters: Filters
) -> tuple[Any, Any]:
    """Two Ibis tables of ``con``: one row per person with a transaction or an interaction in
    the period (``person``, ``segment``, ``transactions``, ``revenue``, ``margin``,
    ``interactions``, ``uncosted``, ``cost``, ``profit``, ``buyer``, ``loss``), and the
    costed interactions of the period with their ``person`` and ``segment``."""
    f = filters.checked()
    tx = _in_period(con.table("transactions"), f)
    tx = _with_person_segment(con, tx)
    rate = ibis.literal(float(margin_rate), type="float64")
    tx = tx.mutate(
        line_margin=ibis.coalesce(tx.margin.cast("float64"), tx.amount.cast("float64") * rate)
    )
    per_tx = tx.group_by("person").aggregate(
        tx_segment=tx.segment.max(),
        transactions=tx.count(),
        revenue=tx.amount.cast("float64").sum(),
        margin=tx.line_margin.sum(),
    )
    ix = _in_period(con.table("interactions"), f)
    ix = costed_interactions(ix, rules)
    ix = _with_person_segment(con, ix)
    per_ix = ix.group_by("person").aggregate(
        ix_segment=ix.segment.max(),
        interactions=ix.count(),
        uncosted=ix.cost_to_serve.isnull().sum(),
        cost=ix.cost_to_serve.sum(),
    )
    per_ix = per_ix.rename(ix_person="person")
    j = per_tx.outer_join(per_ix, per_tx.person == per_ix.ix_person)
    people = j.select(
        person=ibis.coalesce(j.person, j.ix_person),
        segment=ibis.coalesce(j.tx_segment, j.ix_segment),
        transactions=j.transactions.fill_null(0),
        revenue=j.revenue.fill_null(0.0),
        margin=j.margin.fill_null(0.0),
        interactions=j.interactions.fill_null(0),
        uncosted=j.uncosted.fill_null(0),
        cost=j.cost.fill_null(0.0),
    )
    people = people.mutate(profit=people.margin - people.cost, buyer=people.transactions > 0)
    people = people.mutate(loss=people.buyer & (people.profit < 0))
    if f.segment:
        people = people.filter(people.segment == f.segment)
        ix = ix.filter(ix.segment == f.segment)
    return people, ix


@dataclass
class Profitability:
    """The views of one period and segment (``as_dict`` is the JSON the CLI prints)."""

    start: dt.date | None
    end: dt.date | None
    segment: str | None
    margin_rate: float
    totals: dict[str, Any]
    customers: list[dict[str, Any]] = field(default_factory=list)
    histogram: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    why_types: list[dict[str, Any]] = field(default_factory=list)
    why_touchpoints: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "segment": self.segment,
            "default_margin_rate": self.margin_rate,
            "totals": self.totals,
        }


def _rows(expr: Any) -> list[dict[str, Any]]:
    return [
        {k: (float(v) if isinstance(v, np.floating) else v) for k, v in row.items()}
        for row in expr.to_pyarrow().to_pylist()
    ]


def _round(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    for r in rows:
        for n in names:
            if r.get(n) is not None:
                r[n] = round(float(r[n]), 2)
    return rows


def by_customer(people: Any) -> list[dict[str, Any]]:
    c = people.filter(people.buyer)
    rows = _rows(
        c.select(
            "person", "segment", "transactions", "revenue", "margin", "interactions", "cost",
            "profit", "loss",
        ).order_by([c.profit, c.person])
    )  # fmt: skip
    for r in rows:
        r["person"] = person_label(str(r["person"]))
    return _round(rows, "revenue", "margin", "cost", "profit")


def person_label(person: str) -> str:
    """A person id as shown: a record not resolved into a person is ``source:customer_id``."""
    from cxpilot.customers.selectors import UNRESOLVED_PREFIX

    if person.startswith(UNRESOLVED_PREFIX):
        return person[1:].replace(UNRESOLVED_PREFIX, ":", 1)
    return person


def by_segment(people: Any) -> list[dict[str, Any]]:
    c = people.filter(people.buyer)
    g = c.group_by(segment=c.segment).aggregate(
        customers=c.count(),
        revenue=c.revenue.sum(),
        margin=c.margin.sum(),
        cost=c.cost.sum(),
        profit=c.profit.sum(),
        loss_makers=c.loss.sum(),
        loss=c.profit.sum(where=c.loss),
    )
    rows = _rows(g.order_by([g.profit.desc(), g.segment]))
    for r in rows:
        r["loss"] = r["loss"] or 0.0
        r.update({f"loss_{k}": v for k, v in loss_share(r["loss_makers"], r["customers"]).items()})
        r["profit_per_customer"] = r["profit"] / r["customers"] if r["customers"] else None
    return _round(rows, "revenue", "margin", "cost", "profit", "loss", "profit_per_customer")


def _customer_interactions(people: Any, ix: Any) -> Any:
    c = people.filter(people.buyer).select(cust="person", cust_loss="loss")
    ix = ix.select(*ix.columns)
    j = ix.inner_join(c, ix.person == c.cust)
    return j.select(ix, c.cust_loss)


def by_touchpoint(people: Any, ix: Any) -> list[dict[str, Any]]:
    """Per touchpoint, among the customers' interactions: ``interactions``, ``cost`` to
    serve, ``customers`` who used it, ``loss_makers`` among them and their share."""
    j = _customer_interactions(people, ix)
    g = j.group_by("touchpoint").aggregate(
        interactions=j.count(),
        cost=j.cost_to_serve.sum(),
        uncosted=j.cost_to_serve.isnull().sum(),
        customers=j.person.nunique(),
        loss_makers=j.person.nunique(where=j.cust_loss),
    )
    rows = _rows(g.order_by([g.cost.desc(), g.touchpoint]))
    for r in rows:
        r["cost"] = r["cost"] or 0.0
        r.update({f"loss_{k}": v for k, v in loss_share(r["loss_makers"], r["customers"]).items()})
    return _round(rows, "cost")


def why(people: Any, ix: Any, *, by: str, loss_makers: int, others: int) -> list[dict[str, Any]]:
    """The cost to serve per customer of the loss-makers and of the others, by interaction
    ``by`` (``type`` or ``touchpoint``), the largest gap first: ``loss_cost_per_customer``,
    ``other_cost_per_customer``, ``gap`` (their difference), ``loss_share_of_cost`` (the part
    of the loss-makers' cost to serve it is, %)."""
    j = _customer_interactions(people, ix)
    key = j[by].fill_null("")
    g = j.group_by(key=key).aggregate(
        loss_cost=j.cost_to_serve.sum(where=j.cust_loss),
        other_cost=j.cost_to_serve.sum(where=~j.cust_loss),
        loss_interactions=j.count(where=j.cust_loss),
        other_interactions=j.count(where=~j.cust_loss),
    )
    rows = _rows(g)
    total_loss = sum(r["loss_cost"] or 0.0 for r in rows)
    out = []
    for r in rows:
        lc, oc = r["loss_cost"] or 0.0, r["other_cost"] or 0.0
        per_loss = lc / loss_makers if loss_makers else None
        per_other = oc / others if others else None
        out.append(
            {
                by: r["key"],
                "loss_cost_per_customer": per_loss,
                "other_cost_per_customer": per_other,
                "gap": (per_loss - per_other)
                if per_loss is not None and per_other is not None
                else None,
                "loss_interactions_per_customer": r["loss_interactions"] / loss_makers
                if loss_makers
                else None,
                "other_interactions_per_customer": r["other_interactions"] / others
                if others
                else None,
                "loss_share_of_cost": 100 * lc / total_loss if total_loss else None,
            }
        )
    out.sort(key=lambda r: (-(r["gap"] if r["gap"] is not None else -math.inf), r[by]))
    return _round(
        out,
        "loss_cost_per_customer",
        "other_cost_per_customer",
        "gap",
        "loss_interactions_per_customer",
        "other_interactions_per_customer",
        "loss_share_of_cost",
    )


def totals(people: Any) -> dict[str, Any]:
    """One row of sums over the customers, and the non-buyers' cost, in one query."""
    p = people
    row = _rows(
        p.aggregate(
            customers=p.count(where=p.buyer),
            revenue=p.revenue.sum(where=p.buyer),
            margin=p.margin.sum(where=p.buyer),
            cost=p.cost.sum(where=p.buyer),
            loss_makers=p.loss.sum(),
            loss=p.profit.sum(where=p.loss),
            loss_margin=p.margin.sum(where=p.loss),
            loss_cost=p.cost.sum(where=p.loss),
            other_margin=p.margin.sum(where=p.buyer & ~p.loss),
            other_cost=p.cost.sum(where=p.buyer & ~p.loss),
            non_buyers=p.count(where=~p.buyer),
            non_buyer_cost=p.cost.sum(where=~p.buyer),
            uncosted=p.uncosted.sum(),
        )
    )[0]
    out: dict[str, Any] = {k: (v if v is not None else 0) for k, v in row.items()}
    n, lm = int(out["customers"]), int(out["loss_makers"])
    out["customers"], out["loss_makers"] = n, lm
    out["non_buyers"], out["uncosted"] = int(out["non_buyers"]), int(out["uncosted"])
    out["profit"] = float(out["margin"]) - float(out["cost"])
    out["loss_share"] = loss_share(lm, n)
    others = n - lm
    # the averages that tell low margin from high cost
    out["loss_mean_margin"] = out["loss_margin"] / lm if lm else None
    out["loss_mean_cost"] = out["loss_cost"] / lm if lm else None
    out["other_mean_margin"] = out["other_margin"] / others if others else None
    out["other_mean_cost"] = out["other_cost"] / others if others else None
    for k in list(out):
        if isinstance(out[k], float):
            out[k] = round(out[k], 2)
    return out


VIEW_VALUE = "value.view_value"


def cost_rules() -> list[Rule]:
    """The cost rules of the app database."""
    from cxpilot.value.models import CostRule

    return [
        Rule(type=r.type, channel=r.channel, cost=float(r.cost))
        for r in CostRule.objects.order_by("type", "channel")
    ]


def default_margin_rate() -> float:
    """The margin share of a transaction whose margin is empty (``CXPILOT_DEFAULT_MARGIN_RATE``)."""
    from django.conf import settings

    return float(settings.CXPILOT_DEFAULT_MARGIN_RATE)  # type: ignore[misc]


@contextmanager
def _temporary(expr: Any) -> Iterator[Any]:
    """``expr`` computed once and kept by the engine (a temporary table, or Spark's cache)
    for the queries that follow, released after use."""
    cached = expr.cache()
    try:
        yield cached
    finally:
        cached.release()


def _segment_known(con: Any, segment: str) -> None:
    c = con.table("customers")
    if int(c.filter(c.segment == segment).count().execute()) == 0:
        raise ValidationError(
            f"no customer of the warehouse has the segment {segment[:120]!r}", where="--segment"
        )


def profitability(
    *,
    actor: Any,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
    views: Sequence[str] = ("totals", "histogram", "segment", "touchpoint", "why"),
) -> Profitability:
    """The profitability of the warehouse's customers in the period and segment, with the
    ``views`` asked for (``customer``, ``histogram``, ``segment``, ``touchpoint``, ``why``;
    the totals always)."""
    from cxpilot.kernel import roles
    from cxpilot.warehouse.connection import warehouse

    roles.require(actor, VIEW_VALUE)
    filters = Filters(start=start, end=end, segment=segment).checked()
    rules = cost_rules()
    rate = default_margin_rate()
    with warehouse() as con:
        if segment:
            _segment_known(con, segment)
        people, ix = customer_table(con, rules=rules, margin_rate=rate, filters=filters)
        ix = ix.select("person", "segment", "touchpoint", "type", "cost_to_serve")
        # each person's figures are summed once; every view groups these two small tables
        with _temporary(people) as people, _temporary(ix) as ix:
            found = Profitability(
                start=start, end=end, segment=segment, margin_rate=rate, totals=totals(people)
            )
            lm = found.totals["loss_makers"]
            others = found.totals["customers"] - lm
            if "customer" in views or "histogram" in views:
                c = people.filter(people.buyer)
                profits = c.select("profit").to_pyarrow().column("profit").to_numpy()
                found.histogram = profit_histogram(profits)
            if "customer" in views:
                found.customers = by_customer(people)
            if "segment" in views:
                found.segments = by_segment(people)
            if "touchpoint" in views:
                found.touchpoints = by_touchpoint(people, ix)
            if "why" in views:
                found.why_types = why(people, ix, by="type", loss_makers=lm, others=others)
                found.why_touchpoints = why(
                    people, ix, by="touchpoint", loss_makers=lm, others=others
                )
    return found
