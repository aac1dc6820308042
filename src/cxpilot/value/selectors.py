"""Reads of the customer-value domain: each customer's purchase history summed up in the
engine, and the lifetime-value models fitted on it."""

from __future__ import annotations

import datetime as dt
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
    from the first purchase), and ``mean`` the mean amount of their repeat purchase days."""

    customer: list[str]
    x: np.ndarray
    t_x: np.ndarray
    big_t: np.ndarray
    mean: np.ndarray


def histories(table: Any, *, calibration_end: dt.date, by_person: bool) -> Histories:
    """The purchase histories up to ``calibration_end`` (included), in one grouped query:
    purchases (amount ≥ 0; a refund is negative) of one day count as one, the first is the customer's birth and not
    a repeat; a customer is a person (``by_person``: every record of a unified customer) or a
    source record."""
    end = dt.datetime.combine(calibration_end + dt.timedelta(days=1), dt.time())
    t = table.filter((table.amount >= 0) & (table.timestamp < end))
    if by_person:
        from cxpilot.customers.selectors import answers_with_person
        from cxpilot.warehouse.connection import warehouse

        with warehouse() as con:
            t = answers_with_person(con, t)
        t = t.mutate(customer=t.person)
    else:
        t = t.mutate(customer=t.source + ibis.literal(":") + t.customer_id)
    days = t.group_by(["customer", t.timestamp.date().name("day")]).aggregate(amount=t.amount.sum())
    first = ibis.row_number().over(group_by=days.customer, order_by=days.day) == 0
    days = days.mutate(first=first)
    start = dt.date(1970, 1, 1)
    days = days.mutate(age=days.day.epoch_days())
    per = days.group_by("customer").aggregate(
        n=days.count(),
        first_day=days.age.min(),
        last_day=days.age.max(),
        repeat_total=days.amount.sum(where=~days.first),
    )
    rows = per.order_by("customer").to_pyarrow()
    end_day = (calibration_end - start).days
    n = np.asarray(rows.column("n").to_numpy(zero_copy_only=False), dtype=float)
    first_day = np.asarray(rows.column("first_day").to_numpy(zero_copy_only=False), float)
    last_day = np.asarray(rows.column("last_day").to_numpy(zero_copy_only=False), float)
    repeat = rows.column("repeat_total").fill_null(0.0)
    total = np.asarray(repeat.to_numpy(zero_copy_only=False), dtype=float)
    x = n - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(x > 0, total / np.maximum(x, 1), np.nan)
    return Histories(
        customer=[str(c) for c in rows.column("customer").to_pylist()],
        x=x,
        t_x=(last_day - first_day) / UNIT_DAYS,
        big_t=(end_day - first_day) / UNIT_DAYS,
        mean=mean,
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


def clv_fit(*, calibration_end: dt.date, file: Path | None = None) -> ClvFit:
    """BG/NBD and Gamma-Gamma fitted on the purchases up to ``calibration_end`` of the
    warehouse (one customer = one person) or of a transactions ``file`` (one customer = one
    source's customer id)."""
    with transactions_source(file) as (table, in_warehouse):
        found = histories(table, calibration_end=calibration_end, by_person=in_warehouse)
    customers = len(found.customer)
    if customers < MIN_CUSTOMERS:
        raise ValidationError(
            f"{customers} customer(s) bought up to {calibration_end.isoformat()}; the models "
            f"need {MIN_CUSTOMERS} or more",
            where="--calibration-end",
        )
    repeat = found.x > 0
    spend = repeat & (np.nan_to_num(found.mean) > 0)  # a mean of 0 has no Gamma likelihood
    if int(spend.sum()) < MIN_CUSTOMERS:
        raise ValidationError(
            f"{int(spend.sum())} customer(s) bought again, for an amount, by "
            f"{calibration_end.isoformat()}; the spend model needs {MIN_CUSTOMERS} or more",
            where="--calibration-end",
        )
    return ClvFit(
        calibration_end=calibration_end,
        customers=customers,
        repeat_customers=int(repeat.sum()),
        bg_nbd=stats.bg_nbd_fit(found.x, found.t_x, found.big_t),
        gamma_gamma=stats.gamma_gamma_fit(found.x[spend], found.mean[spend]),
    )


def customer_values(con: Any) -> Any:
    """The ``customer_value`` table of ``con`` (one row per person: CLV, probability alive,
    segment…), as an Ibis table; a ValidationError naming the command that writes it when it
    is absent."""
    if "customer_value" not in con.list_tables():
        raise ValidationError(
            "no customer values yet: run cxpilot clv predict", where="customer_value"
        )
    return con.table("customer_value")


def churn_scores(con: Any) -> Any:
    """The ``churn_scores`` table of ``con`` (one row per person: calibrated churn risk and
    its reasons), as an Ibis table; a ValidationError naming the command that writes it when
    it is absent."""
    if "churn_scores" not in con.list_tables():
        raise ValidationError("no churn scores yet: run cxpilot churn score", where="churn_scores")
    return con.table("churn_scores")
