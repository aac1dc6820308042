"""Reads of the customer-value domain: each customer's purchase history summed up in the
engine, and the lifetime-value models fitted on it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import numpy as np

from cxpilot.kernel.errors import ValidationError
from cxpilot.value import stats

#: Fewer customers than this, or fewer with a repeat purchase, give no model worth reading.
MIN_CUSTOMERS = 30
#: Days in the time unit of the models (weeks, as the papers).
UNIT_DAYS = 7.0
#: A Gamma-Gamma ``p`` beyond this is the likelihood running to the edge, not an estimate.
EDGE_P = 1000.0


@contextmanager
def transactions_source(file: Path | None) -> Iterator[tuple[Any, bool]]:
    """The ``transactions`` table: the warehouse's (yields ``(table, True)``), or a file in
    the ``transactions`` import format read as it is into an in-memory DuckDB."""
    if file is None:
        from cxpilot.warehouse.connection import warehouse

        with warehouse() as con:
            yield con.table("transactions"), True
        return
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(table="transactions", path=file)
    checked.raise_if_bad(analysing=True)
    con = ibis.duckdb.connect()
    try:
        yield con.create_table("transactions", checked.data), False
    finally:
        con.disconnect()


@dataclass(frozen=True)
class Histories:
    """One row per customer: ``x`` repeat purchases (distinct days after the first),
    ``t_x`` the last one's age and ``T`` the customer's age at the calibration end (weeks
    from the first purchase), ``mean`` the mean amount of their repeat purchase days, and,
    over all their purchases, ``margin`` the sum of the margins the transactions give and
    ``margin_base`` the amount of those transactions (0 where none gives a margin);
    ``first_day`` the day of the first purchase (days since 1970-01-01)."""

    customer: list[str]
    x: np.ndarray
    t_x: np.ndarray
    big_t: np.ndarray
    mean: np.ndarray
    margin: np.ndarray
    margin_base: np.ndarray
    first_day: np.ndarray


def _with_customer(table: Any, *, by_person: bool) -> Any:
    """``table`` with a ``customer`` column: the person (``by_person``) or the source record."""
    if by_person:
        from cxpilot.customers.selectors import answers_with_person
        from cxpilot.warehouse.connection import warehouse

        with warehouse() as con:
            t = answers_with_person(con, table)
        return t.mutate(customer=t.person)
    return table.mutate(customer=table.source + ibis.literal(":") + table.customer_id)


def _end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def purchase_days(table: Any, *, until: dt.date, by_person: bool) -> Any:
    """An Ibis table: one row per customer and day with a purchase up to ``until``
    (included): ``customer, day`` (days since 1970-01-01), ``amount`` (the day's purchases;
    a refund, a negative amount, is not a purchase), ``margin`` and ``margin_base`` (the
    margins given and the amount of the transactions giving one)."""
    t = _with_customer(
        table.filter((table.amount >= 0) & (table.timestamp < _end(until))), by_person=by_person
    )
    if "margin" not in t.columns:
        t = t.mutate(margin=ibis.null("float64"))
    has = t.margin.notnull()
    return t.group_by(["customer", t.timestamp.date().epoch_days().name("day")]).aggregate(
        amount=t.amount.sum(), margin=t.margin.sum(where=has), margin_base=t.amount.sum(where=has)
    )


def _floats(rows: Any, name: str) -> np.ndarray:
    column = rows.column(name).fill_null(0.0)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)


def histories(table: Any, *, calibration_end: dt.date, by_person: bool) -> Histories:
    """The purchase histories up to ``calibration_end`` (included), in one grouped query:
    purchases (amount ≥ 0; a refund is negative) of one day count as one, the first is the
    customer's birth and not a repeat; a customer is a person (``by_person``: every record
    of a unified customer) or a source record."""
    days = purchase_days(table, until=calibration_end, by_person=by_person)
    first = ibis.row_number().over(group_by=days.customer, order_by=days.day) == 0
    days = days.mutate(first=first)
    per = days.group_by("customer").aggregate(
        n=days.count(),
        first_day=days.day.min(),
        last_day=days.day.max(),
        repeat_total=days.amount.sum(where=~days.first),
        margin=days.margin.sum(),
        margin_base=days.margin_base.sum(),
    )
    rows = per.order_by("customer").to_pyarrow()
    end_day = (calibration_end - dt.date(1970, 1, 1)).days
    n = _floats(rows, "n")
    first_day = _floats(rows, "first_day")
    last_day = _floats(rows, "last_day")
    total = _floats(rows, "repeat_total")
    x = n - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(x > 0, total / np.maximum(x, 1), np.nan)
    return Histories(
        customer=[str(c) for c in rows.column("customer").to_pylist()],
        x=x,
        t_x=(last_day - first_day) / UNIT_DAYS,
        big_t=(end_day - first_day) / UNIT_DAYS,
        mean=mean,
        margin=_floats(rows, "margin"),
        margin_base=_floats(rows, "margin_base"),
        first_day=first_day,
    )


@dataclass(frozen=True)
class ClvFit:
    calibration_end: dt.date
    customers: int
    repeat_customers: int
    bg_nbd: stats.BgNbd
    gamma_gamma: stats.GammaGamma

    def as_dict(self) -> dict[str, Any]:
        return {
            "calibration_end": self.calibration_end.isoformat(),
            "time_unit": "week",
            "customers": self.customers,
            "repeat_customers": self.repeat_customers,
            "bg_nbd": {
                "r": self.bg_nbd.r,
                "alpha": self.bg_nbd.alpha,
                "a": self.bg_nbd.a,
                "b": self.bg_nbd.b,
                "log_likelihood": self.bg_nbd.log_likelihood,
            },
            "gamma_gamma": {
                "p": self.gamma_gamma.p,
                "q": self.gamma_gamma.q,
                "gamma": self.gamma_gamma.gamma,
                "log_likelihood": self.gamma_gamma.log_likelihood,
            },
        }


def _fitted(found: Histories, calibration_end: dt.date) -> ClvFit:
    customers = len(found.customer)
    if customers < MIN_CUSTOMERS:
        raise ValidationError(
            f"{customers} customer(s) bought up to {calibration_end.isoformat()}; the models "
            f"need {MIN_CUSTOMERS} or more",
            where="--calibration-end",
        )
    repeat = found.x > 0
    spend = _spend_mask(found)
    if int(spend.sum()) < MIN_CUSTOMERS:
        raise ValidationError(
            f"{int(spend.sum())} customer(s) bought again, for an amount, by "
            f"{calibration_end.isoformat()}; the spend model needs {MIN_CUSTOMERS} or more",
            where="--calibration-end",
        )
    fit = ClvFit(
        calibration_end=calibration_end,
        customers=customers,
        repeat_customers=int(repeat.sum()),
        bg_nbd=stats.bg_nbd_fit(found.x, found.t_x, found.big_t),
        gamma_gamma=stats.gamma_gamma_fit(found.x[spend], found.mean[spend]),
    )
    for model, figures in (("bg_nbd", fit.bg_nbd), ("gamma_gamma", fit.gamma_gamma)):
        for name, value in vars(figures).items():
            if not math.isfinite(value):
                raise ValidationError(
                    f"the {model} model's {name} is not a finite number: the purchases up to "
                    f"{calibration_end.isoformat()} cannot be fitted (amounts too large?)",
                    where="--calibration-end",
                )
    return fit


def _spend_mask(found: Histories) -> np.ndarray:
    """The customers the spend model learns from: a repeat purchase, for an amount (a mean
    of 0 has no Gamma likelihood)."""
    return (found.x > 0) & (np.nan_to_num(found.mean) > 0)


def clv_fit(*, calibration_end: dt.date, file: Path | None = None) -> ClvFit:
    """BG/NBD and Gamma-Gamma fitted on the purchases up to ``calibration_end`` of the
    warehouse (one customer = one person) or of a transactions ``file`` (one customer = one
    source's customer id)."""
    with transactions_source(file) as (table, in_warehouse):
        found = histories(table, calibration_end=calibration_end, by_person=in_warehouse)
    return _fitted(found, calibration_end)


# --- lifetime values (``cxpilot clv predict``)

#: Bounds of the options: a horizon of 1 week to 10 years, an annual discount rate of 0 to 100 %.
MAX_HORIZON_WEEKS = 520
MAX_DISCOUNT_RATE = 1.0


def check_options(*, horizon_weeks: int, discount_rate: float) -> None:
    """A ValidationError naming the option unless the horizon and rate are in bounds."""
    if not 1 <= horizon_weeks <= MAX_HORIZON_WEEKS:
        raise ValidationError(
            f"the horizon must be 1 to {MAX_HORIZON_WEEKS} weeks, not {horizon_weeks}",
            where="--horizon-weeks",
        )
    if not (math.isfinite(discount_rate) and 0 <= discount_rate <= MAX_DISCOUNT_RATE):
        raise ValidationError(
            f"the annual discount rate must be 0 to {MAX_DISCOUNT_RATE:g} (0.10 for 10 %), "
            f"not {discount_rate:g}",
            where="--discount-rate",
        )


#: The margin basis said with the values: the transactions' margins, or the default share.
MARGIN_TRANSACTIONS, MARGIN_DEFAULT = "transactions", "default"


@dataclass(frozen=True)
class Margins:
    """Each customer's margin share: their transactions' margins over the amount of those
    transactions; for a customer none of whose transactions gives a margin, the share over
    every customer's transactions that give one; when no transaction gives one, the default
    share (``CXPILOT_DEFAULT_MARGIN_RATE``, as profitability). ``basis`` says which applies to the data."""

    share: np.ndarray
    basis: str
    overall: float


def margins(found: Histories, default: float) -> Margins:
    base_total = float(found.margin_base.sum())
    if base_total <= 0:
        return Margins(np.full(found.x.size, default), MARGIN_DEFAULT, default)
    overall = float(found.margin.sum()) / base_total
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(found.margin_base > 0, found.margin / found.margin_base, overall)
    return Margins(own, MARGIN_TRANSACTIONS, overall)


def default_margin() -> float:
    """The margin share for data without margins (``CXPILOT_DEFAULT_MARGIN_RATE``, the one
    profitability uses)."""
    from django.conf import settings

    return float(settings.CXPILOT_DEFAULT_MARGIN_RATE)  # type: ignore[misc]


def horizon_months(horizon_weeks: int) -> int:
    """The monthly steps the CLV sums over a horizon (52 weeks: 12 months of 4.345 weeks)."""
    return max(1, round(horizon_weeks / stats.MONTH_WEEKS))


def monthly_rate(annual: float) -> float:
    """The monthly discount rate equivalent to an ``annual`` one: (1 + R)^(1/12) − 1."""
    return float((1.0 + annual) ** (1.0 / 12.0) - 1.0)


@dataclass(frozen=True)
class ValueRun:
    """The models fitted at ``calibration_end`` and every customer's predictions."""

    fit: ClvFit
    found: Histories
    predictions: stats.Predictions
    margins: Margins
    bg_cov: stats.Covariance
    gg_cov: stats.Covariance
    horizon_weeks: int
    discount_rate: float


def value_run(
    found: Histories,
    *,
    calibration_end: dt.date,
    horizon_weeks: int,
    discount_rate: float,
    margin: float,
) -> ValueRun:
    """Fit both models on ``found`` and predict every customer over the horizon, with the
    intervals of the parameters' uncertainty (:func:`cxpilot.value.stats.predict`)."""
    fit = _fitted(found, calibration_end)
    spend = _spend_mask(found)
    bg_cov = stats.bg_nbd_covariance(fit.bg_nbd, found.x, found.t_x, found.big_t)
    gg_cov = stats.gamma_gamma_covariance(fit.gamma_gamma, found.x[spend], found.mean[spend])
    share = margins(found, margin)
    predictions = stats.predict(
        fit.bg_nbd,
        fit.gamma_gamma,
        found.x,
        found.t_x,
        found.big_t,
        found.mean,
        share.share,
        horizon=float(horizon_weeks),
        months=horizon_months(horizon_weeks),
        monthly_rate=monthly_rate(discount_rate),
        bg_cov=bg_cov,
        gg_cov=gg_cov,
    )
    for name in ("p_alive", "expected_purchases", "expected_spend", "clv", "clv_low", "clv_high"):
        values = getattr(predictions, name)
        if not np.isfinite(values).all():
            raise ValidationError(
                f"the predicted {name} of {int((~np.isfinite(values)).sum())} customer(s) is "
                f"not a finite number: the purchases up to {calibration_end.isoformat()} "
                "cannot be predicted from (amounts too large?)",
                where="--calibration-end",
            )
    return ValueRun(fit, found, predictions, share, bg_cov, gg_cov, horizon_weeks, discount_rate)


def segments_of(customers: list[str], *, by_person: bool) -> list[str | None]:
    """Each customer's segment: a person's golden record's, else the segment one of their
    records gives; a source record's own (``by_person`` false)."""
    from cxpilot.customers.selectors import answers_with_person, golden_segments
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        c = con.table("customers")
        if by_person:
            own = answers_with_person(con, c.select("source", "customer_id", "segment"))
            own = own.group_by(own.person.name("customer")).aggregate(own=own.segment.max())
            g = golden_segments(con)
            j = own.left_join(g, own.customer == g.person_id)
            t = j.select(customer=own.customer, segment=ibis.coalesce(g.segment, own.own))
        else:
            t = c.select(customer=c.source + ibis.literal(":") + c.customer_id, segment=c.segment)
        rows = t.to_pyarrow()
    found = dict(
        zip(rows.column("customer").to_pylist(), rows.column("segment").to_pylist(), strict=True)
    )
    return [found.get(c) or None for c in customers]


def revenue_12m(
    table: Any, customers: list[str], *, calibration_end: dt.date, by_person: bool
) -> np.ndarray:
    """Each customer's purchases minus refunds (all amounts, refunds negative) in the 365
    days to ``calibration_end`` (included)."""
    start = dt.datetime.combine(calibration_end - dt.timedelta(days=364), dt.time())
    t = table.filter((table.timestamp >= start) & (table.timestamp < _end(calibration_end)))
    t = _with_customer(t, by_person=by_person)
    rows = t.group_by("customer").aggregate(revenue=t.amount.sum()).to_pyarrow()
    found = dict(
        zip(rows.column("customer").to_pylist(), rows.column("revenue").to_pylist(), strict=True)
    )
    return np.array([float(found.get(c) or 0.0) for c in customers], dtype=float)


#: A quarter end with fewer weeks of purchases before it is not refitted for the equity's
#: history: the models cannot tell a slow buyer from a lost one on a few weeks (the papers
#: calibrate on 39 weeks), and their values swing.
MIN_HISTORY_WEEKS = 24


def quarter_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The quarter ends (31 March, 30 June, 30 September, 31 December) after ``first`` and
    before ``last``."""
    out: list[dt.date] = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    while True:
        month = quarter * 3
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        if end >= last:
            return out
        if end > first:
            out.append(end)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


@dataclass(frozen=True)
class EquityPoint:
    """The customer equity (sum of CLV) at ``as_of`` of the customers of ``segment`` (None:
    all customers; "": customers without a segment), with its 95 % interval."""

    as_of: dt.date
    segment: str | None
    customers: int
    equity: float
    equity_low: float
    equity_high: float


def equity_points(run: ValueRun, segments: list[str | None], as_of: dt.date) -> list[EquityPoint]:
    """The equity of every customer and of each segment, from one run."""
    keys = np.array([s or "" for s in segments], dtype=object)
    groups: list[tuple[str | None, np.ndarray]] = [(None, np.ones(keys.size, dtype=bool))]
    groups += [(str(k), keys == k) for k in sorted(set(keys.tolist()))]
    out = []
    for segment, mask in groups:
        total, low, high = stats.total_interval(run.predictions, mask)
        out.append(EquityPoint(as_of, segment, int(mask.sum()), total, low, high))
    return out


@dataclass(frozen=True)
class CustomerValues:
    """What ``cxpilot clv predict`` computes: the run at the calibration end, each
    customer's segment and revenue of the last 12 months, and the equity at the
    calibration end and at each quarter end before it that has enough data for the models
    (``skipped``: the quarter ends that had not, with the reason)."""

    run: ValueRun
    segments: list[str | None]
    revenue_12m: np.ndarray
    equity: list[EquityPoint]
    skipped: list[tuple[dt.date, str]]
    in_warehouse: bool


def customer_values_computed(
    *,
    calibration_end: dt.date,
    horizon_weeks: int,
    discount_rate: float,
    file: Path | None = None,
    history: bool = True,
    margin: float | None = None,
) -> CustomerValues:
    """Every customer's predicted value at ``calibration_end`` and, with ``history``, the
    customer equity refitted at each earlier quarter end (each with the data up to it alone;
    the segments are today's)."""
    share = default_margin() if margin is None else margin
    with transactions_source(file) as (table, in_warehouse):
        found = histories(table, calibration_end=calibration_end, by_person=in_warehouse)
        run = value_run(
            found,
            calibration_end=calibration_end,
            horizon_weeks=horizon_weeks,
            discount_rate=discount_rate,
            margin=share,
        )
        revenue = revenue_12m(
            table, found.customer, calibration_end=calibration_end, by_person=in_warehouse
        )
        segments: list[str | None] = [None] * len(found.customer)
        if in_warehouse:
            segments = segments_of(found.customer, by_person=True)
        of = dict(zip(found.customer, segments, strict=True))
        equity: list[EquityPoint] = []
        skipped: list[tuple[dt.date, str]] = []
        first = dt.date(1970, 1, 1) + dt.timedelta(days=int(found.first_day.min()))
        for end in quarter_ends(first, calibration_end) if history else []:
            if (end - first).days < MIN_HISTORY_WEEKS * UNIT_DAYS:
                skipped.append(
                    (end, f"less than {MIN_HISTORY_WEEKS} weeks of purchases to learn from")
                )
                continue
            earlier = histories(table, calibration_end=end, by_person=in_warehouse)
            try:
                then = value_run(
                    earlier,
                    calibration_end=end,
                    horizon_weeks=horizon_weeks,
                    discount_rate=discount_rate,
                    margin=share,
                )
            except ValidationError as exc:
                skipped.append((end, exc.detail))
                continue
            equity += equity_points(then, [of.get(c) for c in earlier.customer], end)
        equity += equity_points(run, segments, calibration_end)
    return CustomerValues(run, segments, revenue, equity, skipped, in_warehouse)


# --- holdout check (``cxpilot clv holdout``)

#: Calibration repeat purchases grouped as 0, 1, …, 6 and this many or more.
HOLDOUT_TOP = 7


@dataclass(frozen=True)
class Holdout:
    """The models fitted on the purchases up to ``calibration_end``, held against what the
    same customers (those born by then) did up to ``holdout_end``, as Fader, Hardie & Lee
    (2005, figures 3 and 4) do: per number of calibration repeat purchases, the mean
    repeat purchases predicted for the holdout weeks (E[X(t*) | x, t_x, T]) and made; and
    by calendar week, the cumulative repeat purchases predicted (each customer's
    unconditional E[X(t)] from their first purchase) and made."""

    fit: ClvFit
    holdout_end: dt.date
    holdout_weeks: float
    by_frequency: list[dict[str, Any]]
    weekly: list[dict[str, Any]]
    predicted: float
    actual: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "calibration_end": self.fit.calibration_end.isoformat(),
            "holdout_end": self.holdout_end.isoformat(),
            "holdout_weeks": self.holdout_weeks,
            "customers": self.fit.customers,
            "predicted": self.predicted,
            "actual": self.actual,
            "bg_nbd": self.fit.as_dict()["bg_nbd"],
            "by_frequency": self.by_frequency,
            "weekly": self.weekly,
        }


def holdout_check(
    *, calibration_end: dt.date, holdout_end: dt.date, file: Path | None = None
) -> Holdout:
    """:class:`Holdout` of the warehouse's purchases (one customer = one person) or of a
    transactions ``file``."""
    if holdout_end <= calibration_end:
        raise ValidationError(
            f"the holdout end {holdout_end.isoformat()} must come after the calibration end "
            f"{calibration_end.isoformat()}",
            where="--holdout-end",
        )
    with transactions_source(file) as (table, in_warehouse):
        found = histories(table, calibration_end=calibration_end, by_person=in_warehouse)
        fit = _fitted(found, calibration_end)
        rows = purchase_days(table, until=holdout_end, by_person=in_warehouse)
        rows = rows.select("customer", "day").to_pyarrow()
    epoch = dt.date(1970, 1, 1)
    end_day, stop_day = (calibration_end - epoch).days, (holdout_end - epoch).days
    index = {c: i for i, c in enumerate(found.customer)}
    who = np.array([index.get(c, -1) for c in rows.column("customer").to_pylist()], np.int64)
    day = np.asarray(rows.column("day").to_numpy(zero_copy_only=False), dtype=np.int64)
    kept = who >= 0  # the customers born by the calibration end
    who, day = who[kept], day[kept]
    birth = found.first_day.astype(np.int64)
    repeat = day > birth[who]
    later = day > end_day
    made = np.bincount(who[later], minlength=len(found.customer))
    weeks = (stop_day - end_day) / UNIT_DAYS
    predicted = stats.bg_nbd_expected(fit.bg_nbd, weeks, found.x, found.t_x, found.big_t)
    group = np.minimum(found.x, HOLDOUT_TOP).astype(int)
    by_frequency = []
    for k in range(HOLDOUT_TOP + 1):
        mask = group == k
        if not mask.any():
            continue
        by_frequency.append(
            {
                "repeat_purchases": k,
                "or_more": k == HOLDOUT_TOP,
                "customers": int(mask.sum()),
                "predicted": float(predicted[mask].mean()),
                "actual": float(made[mask].mean()),
            }
        )
    # by week from the first purchase in the data: the cumulative repeat purchases
    start = int(birth.min())
    count = int(np.ceil((stop_day - start + 1) / UNIT_DAYS))
    births, per_birth = np.unique(birth, return_counts=True)
    week_of = (day[repeat] - start) // int(UNIT_DAYS)
    made_weekly = np.cumsum(np.bincount(week_of, minlength=count)[:count])
    weekly = []
    for k in range(1, count + 1):
        last = min(start + 7 * k - 1, stop_day)
        ages = np.maximum(last - births, 0) / UNIT_DAYS
        expected = float(np.sum(per_birth * stats.bg_nbd_unconditional(fit.bg_nbd, ages)))
        weekly.append(
            {
                "week": k,
                "end": (epoch + dt.timedelta(days=last)).isoformat(),
                "holdout": last > end_day,
                "predicted": expected,
                "actual": int(made_weekly[k - 1]),
            }
        )
    return Holdout(
        fit=fit,
        holdout_end=holdout_end,
        holdout_weeks=weeks,
        by_frequency=by_frequency,
        weekly=weekly,
        predicted=float(predicted.sum()),
        actual=int(made.sum()),
    )


# --- the stored values (written by ``cxpilot clv predict``)

NO_VALUES = "no customer values yet: run cxpilot clv predict"


def _stored(con: Any, name: str) -> Any:
    if name not in con.list_tables():
        raise ValidationError(NO_VALUES, where=name)
    return con.table(name)


def customer_values(con: Any) -> Any:
    """The ``customer_value`` table of ``con`` (an Ibis table, one row per customer; see
    :mod:`cxpilot.value.services`); a ValidationError when no values were computed yet.
    Churn risk of a non-contractual customer: 1 − ``p_alive``."""
    return _stored(con, "customer_value")


def customer_equity(con: Any) -> Any:
    """The ``customer_equity`` table of ``con`` (Ibis); a ValidationError when absent."""
    return _stored(con, "customer_equity")


def value_model(con: Any) -> dict[str, Any]:
    """The last run's parameters, margin basis and holdout check (a dict); a
    ValidationError when no values were computed yet."""
    import json

    rows = _stored(con, "customer_value_model").to_pyarrow().to_pylist()
    if not rows:
        raise ValidationError(NO_VALUES, where="customer_value_model")
    found: dict[str, Any] = json.loads(rows[0]["model"])
    found["computed_at"] = rows[0]["computed_at"]
    return found


#: Bars of the CLV distribution; the last holds every CLV above the 99th percentile.
CLV_BINS = 20


def value_dashboard(con: Any) -> dict[str, Any]:
    """What the value page shows of the stored values: the run's model (parameters, margin
    basis, holdout check), the equity at the calibration end (all customers and by segment)
    and over time, and the CLV distribution (bins). A ValidationError when no values were
    computed yet."""
    model = value_model(con)
    equity = customer_equity(con).order_by(["as_of", "segment"]).to_pyarrow().to_pylist()
    end = dt.date.fromisoformat(model["calibration_end"])
    now = [e for e in equity if e["as_of"] == end]
    clv = customer_values(con).clv.to_pyarrow().to_numpy(zero_copy_only=False)
    clv = np.asarray(clv, dtype=float)
    clv = clv[np.isfinite(clv)]
    bins: list[dict[str, Any]] = []
    if clv.size:
        top = float(np.quantile(clv, 0.99))
        low = min(float(clv.min()), 0.0)
        edges = np.linspace(low, top if top > low else low + 1.0, CLV_BINS + 1)
        counts = np.histogram(np.clip(clv, low, edges[-1]), bins=edges)[0]
        bins = [
            {
                "low": float(edges[i]),
                "high": float(edges[i + 1]),
                "customers": int(counts[i]),
                "open": i == CLV_BINS - 1 and bool(clv.max() > edges[-1]),
            }
            for i in range(CLV_BINS)
        ]
    return {
        "model": model,
        "total": next((e for e in now if e["segment"] is None), None),
        "segments": sorted(
            (e for e in now if e["segment"] is not None), key=lambda e: -e["equity"]
        ),
        "history": equity,
        "bins": bins,
        "mean_clv": float(clv.mean()) if clv.size else None,
        "median_clv": float(np.median(clv)) if clv.size else None,
    }


def churn_scores(con: Any) -> Any:
    """The ``churn_scores`` table of ``con`` (customer, risk, reasons, model, computed_at),
    written by ``cxpilot churn score``."""
    if "churn_scores" not in con.list_tables():
        raise ValidationError("no churn scores yet: run cxpilot churn score", where="churn_scores")
    return con.table("churn_scores")


# --- what a KPI point is worth (the initiatives' return, the customer advocate)

#: An answer counts for the KPI-to-churn relation when it is this many days before the end of
#: the data, and a customer who bought nothing after it counts as churned.
CHURN_DAYS = 180
#: Days back from the latest answer whose answerers are the customers a touchpoint reaches.
REACH_DAYS = 365
#: The middle of each metric's scale: the relation needs answers on both sides of it.
MIDDLE = {"nps": 0.0, "ces": 4.0, "csat": 3.0}


def activity_end(con: Any) -> dt.datetime | None:
    """The end of the data: the latest interaction or transaction (None when neither)."""
    import pandas as pd

    ends = []
    for name in ("interactions", "transactions"):
        value = con.table(name).timestamp.max().execute()
        if value is not None and not pd.isna(value):
            if hasattr(value, "to_pydatetime"):
                value = value.to_pydatetime()
            if not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            ends.append(value.replace(tzinfo=None))
    return max(ends) if ends else None


def _numbers(data: Any, name: str) -> np.ndarray:
    return np.asarray(data.column(name).to_numpy(zero_copy_only=False), dtype=float)


def kpi_churn_slope(
    con: Any,
    *,
    metric: str,
    end: dt.datetime,
    touchpoints: list[str] | None = None,
    by_month: bool = False,
) -> stats.Slope | None:
    """The relation of ``metric`` to churn in the data (:func:`cxpilot.value.stats.churn_slope`):
    per answer of ``metric`` (on ``touchpoints``, or all) at least :data:`CHURN_DAYS` days
    before ``end``, churned (100) when the person bought nothing after it, else 0; persons as
    the customer resolution made them; ``by_month``: with a fixed effect per month of answer.
    None when the data is too thin."""
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.warehouse.connection import answers

    if metric not in MIDDLE:
        raise ValidationError(f"unknown metric {metric!r}; use nps, ces or csat", where="metric")
    cut = end - dt.timedelta(days=CHURN_DAYS)
    r = answers_with_person(con, answers(con))
    r = r.filter((r.metric == metric) & r.score.notnull() & (r.timestamp <= cut))
    if touchpoints is not None:
        r = r.filter(r.touchpoint.isin(list(touchpoints)))
    x = con.table("transactions")
    x = answers_with_person(con, x.filter(x.amount > 0))
    last = x.group_by(lp="person").aggregate(last=x.timestamp.max())
    r = r.left_join(last, r.person == last.lp).select(
        r.person,
        r.timestamp,
        score=r.score,
        churned=last["last"].isnull() | (last["last"] <= r.timestamp),
    )
    data = r.to_pyarrow()
    if data.num_rows == 0:
        return None
    # the points and flags in numpy: PostgreSQL answers SQL literals as NUMERIC (Decimal)
    score = _numbers(data, "score")
    if metric == "nps":
        score = np.where(score >= 9, 100.0, np.where(score <= 6, -100.0, 0.0))
    churned = np.where(_numbers(data, "churned") > 0, 100.0, 0.0)
    months = None
    if by_month:
        stamps = data.column("timestamp").to_pylist()
        months = np.array([t.year * 12 + t.month for t in stamps])
    return stats.churn_slope(
        score,
        churned,
        np.asarray(data.column("person").to_pylist(), dtype=object),
        middle=MIDDLE[metric],
        months=months,
    )


@dataclass(frozen=True)
class KpiPointValue:
    """What one point of a KPI on some touchpoints is worth per customer per year, from the
    data (see :func:`kpi_point_value`)."""

    metric: str
    touchpoints: list[str]
    slope: stats.Slope
    #: mean 12-month margin of the customers reached, and its standard error
    margin: float
    margin_se: float
    #: the customers reached: distinct persons answering on the touchpoints
    customers: int
    #: of them, with no row in the customer values (counted at a margin of 0)
    without_value: int
    since: dt.date
    until: dt.date
    value: stats.PointValue

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "touchpoints": self.touchpoints,
            "value_per_point": round(self.value.value, 2),
            "value_ci_low": round(self.value.ci_low, 2),
            "value_ci_high": round(self.value.ci_high, 2),
            "churn_points_per_kpi_point": round(self.slope.slope, 4),
            "slope_ci_low": round(self.slope.ci_low, 4),
            "slope_ci_high": round(self.slope.ci_high, 4),
            "slope_answers": self.slope.answers,
            "slope_persons": self.slope.persons,
            "margin_12m": round(self.margin, 2),
            "margin_12m_se": round(self.margin_se, 2),
            "customers": self.customers,
            "customers_without_value": self.without_value,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }


def kpi_point_value(con: Any, *, metric: str, touchpoints: list[str]) -> KpiPointValue:
    """The value of one point of ``metric`` per customer per year on ``touchpoints``, from
    the data: the churn points one KPI point is worth there (:func:`kpi_churn_slope`, on the
    touchpoints' answers, within the month of answer) × the mean 12-month margin (``revenue_12m × margin_share`` of the
    stored customer values, 0 for a customer without one) of the customers reached — the
    distinct persons answering on the touchpoints in the :data:`REACH_DAYS` days to their
    latest answer (:func:`cxpilot.value.stats.point_value`). A ValidationError saying why
    when the data cannot give it (no customer values, too few answers)."""
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.warehouse.connection import answers

    values = customer_values(con)
    keys = sorted(touchpoints)
    r = answers_with_person(con, answers(con))
    r = r.filter(r.touchpoint.isin(keys))
    latest = r.timestamp.max().to_pyarrow().as_py()
    if latest is None:
        raise ValidationError(
            f"no answers on {', '.join(keys)}: no customers reached to value", where="touchpoints"
        )
    latest = latest.replace(tzinfo=None) if isinstance(latest, dt.datetime) else latest
    since = latest - dt.timedelta(days=REACH_DAYS)
    reached = r.filter(r.timestamp > since).select("person").distinct()
    v = values.select(vp=values.customer, revenue=values.revenue_12m, share=values.margin_share)
    rows = reached.left_join(v, reached.person == v.vp).select(reached.person, v.revenue, v.share)
    data = rows.to_pyarrow()
    n = data.num_rows
    revenue, share = _numbers(data, "revenue"), _numbers(data, "share")
    margin = np.where(np.isfinite(revenue) & np.isfinite(share), revenue * share, 0.0)
    without = int(data.column("revenue").null_count)
    end = activity_end(con)
    slope = (
        kpi_churn_slope(con, metric=metric, end=end, touchpoints=keys, by_month=True)
        if end is not None
        else None
    )
    if slope is None:
        raise ValidationError(
            f"the data does not give the relation of {metric.upper()} to churn on "
            f"{', '.join(keys)} ({stats.MIN_SLOPE_ANSWERS}+ answers, "
            f"{stats.MIN_SLOPE_SIDE}+ on each side of the middle of the scale, at least "
            f"{CHURN_DAYS} days before the end of the data)",
            where="touchpoints",
        )
    mean = float(margin.mean())
    se = float(margin.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return KpiPointValue(
        metric=metric,
        touchpoints=keys,
        slope=slope,
        margin=mean,
        margin_se=se,
        customers=n,
        without_value=without,
        since=since.date() if isinstance(since, dt.datetime) else since,
        until=latest.date() if isinstance(latest, dt.datetime) else latest,
        value=stats.point_value(slope, mean, se),
    )
