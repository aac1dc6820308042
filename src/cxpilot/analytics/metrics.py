"""NPS, CES and CSAT per group, aggregated in the warehouse engine, finished by ``stats``.

The engine (DuckDB, PostgreSQL… through Ibis) reduces the answers to a few sums per group
(n, promoters, detractors, Σscore, Σscore², agree/satisfied counts); only those small rows come
back to Python, where :mod:`cxpilot.analytics.stats` adds SEs, intervals and period-over-period tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from cxpilot.analytics import stats
from cxpilot.kernel import periods
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.schema import METRIC_RANGES

METRICS = ("nps", "ces", "csat")
TIME_KEYS = ("month", "week")
GROUP_KEYS = (
    "touchpoint",
    "stage",
    "channel",
    "segment",
    "language",
    "survey",
    "source",
    *TIME_KEYS,
)
FILTER_KEYS = ("touchpoint", "stage", "channel", "segment", "language", "survey", "source")
MIN_SAMPLE_FOR_TEST = 30


def parse_by(raw: str | None) -> list[str]:
    keys = [k.strip().lower() for k in (raw or "").split(",") if k.strip()]
    for key in keys:
        if key not in GROUP_KEYS:
            raise ValidationError(
                f"cannot group by {key!r}; use {', '.join(GROUP_KEYS)}", where="--by"
            )
    if len(set(keys)) != len(keys):
        raise ValidationError("a key appears twice", where="--by")
    if all(k in keys for k in TIME_KEYS):
        raise ValidationError("group by month or by week, not both", where="--by")
    return keys


#: Kept here for the commands and API handlers that read a ``--from``/``--to`` day.
parse_date = periods.parse_date


@contextmanager
def _source(file: Path | None) -> Iterator[tuple[Any, bool]]:
    """The responses table: the warehouse's, or a file's read as it is (in memory)."""
    if file is None:
        from cxpilot.warehouse.connection import answers, warehouse

        with warehouse() as con:
            yield answers(con), True
        return
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(table="responses", path=file)
    checked.raise_if_bad(analysing=True)
    data = checked.data
    data = data.append_column("imported_at", pa.nulls(data.num_rows, pa.timestamp("us")))
    con = ibis.duckdb.connect()
    try:
        yield con.create_table("responses", data), False
    finally:
        con.disconnect()


def _stage_map() -> pd.DataFrame:
    from cxpilot.organisation.models import Touchpoint

    rows = list(Touchpoint.objects.filter(stage__isnull=False).values_list("key", "stage__key"))
    return pd.DataFrame(rows or [("", "")], columns=["touchpoint", "stage"]).astype(str)


def metric_groups(
    *,
    metric: str,
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    file: Path | None = None,
    filters: Mapping[str, str] | None = None,
    population_shares: Mapping[str, float] | None = None,
    confidence: float = 0.95,
    nps_method: str = "wald",
    by_person: bool = False,
    customers: bool = True,
) -> list[dict[str, Any]]:
    """One dict per group: the keys, then ``metric, n, customers, score, se, ci_low, ci_high,
    small_sample`` (+ ``promoters, passives, detractors`` for NPS; CES adds the % agreeing
    (5–7), CSAT its mean). ``customers`` is the number of distinct persons behind the answers
    (``customer_persons``; a record not resolved yet counts as its own person). It costs a
    join and a distinct count in the engine: ``customers=False`` leaves it out (and the key).

    With a time key, each row also has ``delta`` against the previous period of the same
    group, ``p_value`` and ``significant`` (null when either side has fewer than 30 answers or
    the previous period is absent).

    ``by_person`` weighs each person once per group: only each person's latest answer in the
    group counts (its ``n`` then equals its ``customers``).

    ``population_shares`` (segment → share of the population) post-stratifies by segment.
    """
    if metric not in METRICS:
        raise ValidationError(f"unknown metric {metric!r}; use nps, ces or csat", where="--metric")
    by = list(by)
    filters = {k: v for k, v in (filters or {}).items() if v}
    for key in filters:
        if key not in FILTER_KEYS:
            raise ValidationError(f"cannot filter on {key!r}", where=key)
    if start and end and end < start:
        raise ValidationError("--to is before --from", where="--to")
    frame = _sums(
        metric,
        by,
        start,
        end,
        file,
        filters,
        population_shares,
        by_person=by_person,
        count_persons=customers,
    )
    if population_shares:
        frame = _poststratify(frame, by, population_shares)
    else:
        frame["n_eff"] = frame["n"].astype(float)
    return _finish(frame, metric, by, confidence, nps_method)


#: The sums :func:`metric_sums` returns for each group.
SUM_COLUMNS = ("n", "promoters", "detractors", "agree", "total", "total_sq")


def metric_sums(
    *,
    metric: str,
    by: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The warehouse's raw sums per group, for statistics that pool groups themselves (the
    alerts' shift detector): the ``by`` keys, then ``n``, ``promoters`` (9–10), ``detractors``
    (0–6), ``agree`` (CES 5–7, CSAT 4–5), ``total`` (Σscore) and ``total_sq`` (Σscore²).
    Sorted by the keys; ``start`` and ``end`` are days, both included."""
    if metric not in METRICS:
        raise ValidationError(f"unknown metric {metric!r}; use nps, ces or csat", where="--metric")
    for key in by:
        if key not in GROUP_KEYS:
            raise ValidationError(f"cannot group by {key!r}", where="by")
    frame = _sums(metric, list(by), start, end, None, {}, None, count_persons=False)
    if by:
        frame = frame.sort_values(list(by), na_position="last")
    rows: list[dict[str, Any]] = []
    for record in frame.to_dict("records"):
        row: dict[str, Any] = {k: (None if pd.isna(record[k]) else str(record[k])) for k in by}
        row.update({c: float(record[c]) for c in SUM_COLUMNS})
        rows.append(row)
    return rows


def _sums(
    metric: str,
    by: list[str],
    start: dt.date | None,
    end: dt.date | None,
    file: Path | None,
    filters: Mapping[str, str],
    population_shares: Mapping[str, float] | None,
    *,
    by_person: bool = False,
    count_persons: bool = True,
) -> pd.DataFrame:
    """The engine's sums per group: n, promoters, detractors, agree, total, total_sq, and
    (``count_persons``) the distinct persons as ``customers``. ``by_person`` keeps each person's latest answer per
    group (the latest timestamp, then the greatest response id)."""
    needs = set(by) | set(filters) | ({"segment"} if population_shares else set())
    if file is not None and "segment" in needs:
        raise ValidationError(
            "segments come from the imported customers; they are not available with --file",
            where="--by",
        )
    with _source(file) as (responses, in_warehouse):
        t = responses.filter(responses.metric == metric)
        if start:
            t = t.filter(t.timestamp >= dt.datetime.combine(start, dt.time()))
        if end:
            t = t.filter(t.timestamp < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        if "stage" in needs:
            stages = ibis.memtable(_stage_map())
            t = t.left_join(stages, t.touchpoint == stages.touchpoint).select(t, stages.stage)
        if "segment" in needs and in_warehouse:
            from cxpilot.warehouse.connection import warehouse

            with warehouse() as con:
                customers = con.table("customers").select("source", "customer_id", "segment")
            t = t.left_join(
                customers, (t.source == customers.source) & (t.customer_id == customers.customer_id)
            ).select(t, customers.segment)
        if "month" in by:
            t = t.mutate(month=t.timestamp.strftime("%Y-%m"))
        if "week" in by:
            t = t.mutate(week=t.timestamp.truncate("W").strftime("%Y-%m-%d"))
        for key, value in filters.items():
            t = t.filter(t[key] == value)
        keys = [*by, *(["segment"] if population_shares and "segment" not in by else [])]
        if count_persons or by_person:
            t = _with_person(t, in_warehouse)
        if by_person:
            latest = ibis.row_number().over(
                group_by=[t.person, *(t[k] for k in keys)],
                order_by=[t.timestamp.desc(), t.response_id.desc()],
            )
            t = t.mutate(_latest=latest).filter(lambda r: r._latest == 0).drop("_latest")
        score = t.score
        aggs = {
            "n": t.count(),
            "promoters": (score >= 9).ifelse(1, 0).sum(),
            "detractors": (score <= 6).ifelse(1, 0).sum(),
            "agree": (score >= (5 if metric == "ces" else 4)).ifelse(1, 0).sum(),
            "total": score.sum().cast("float64"),
            "total_sq": (score * score).sum().cast("float64"),
        }
        if count_persons or by_person:
            aggs["customers"] = t.person.nunique()
        grouped = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
        return grouped.to_pyarrow().to_pandas()


def _with_person(t: Any, in_warehouse: bool) -> Any:
    """The answers with a ``person`` column (see
    :func:`cxpilot.customers.selectors.answers_with_person`). A file's answers are not in the
    warehouse: each of its records counts as its own person."""
    if in_warehouse:
        from cxpilot.customers.selectors import answers_with_person
        from cxpilot.warehouse.connection import warehouse

        with warehouse() as con:
            return answers_with_person(con, t)
    return t.mutate(person=t.source.fill_null("") + "\x1f" + t.customer_id.fill_null(""))


def _poststratify(frame: pd.DataFrame, by: list[str], shares: Mapping[str, float]) -> pd.DataFrame:
    """Weight each segment by population share / sample share within each group."""
    total = sum(shares.values())
    if total <= 0:
        raise ValidationError("population shares must sum to a positive number", where="--weights")
    frame = frame[frame["segment"].isin(list(shares))].copy()
    group_n = frame.groupby(by, dropna=False)["n"].transform("sum") if by else frame["n"].sum()
    w = frame["segment"].map(lambda s: shares[s] / total) / (frame["n"] / group_n)
    weighted = frame.assign(
        n=w * frame["n"],
        promoters=w * frame["promoters"],
        detractors=w * frame["detractors"],
        agree=w * frame["agree"],
        total=w * frame["total"],
        total_sq=w * frame["total_sq"],
        w2=w**2 * frame["n"],
    )
    columns = ["n", "promoters", "detractors", "agree", "total", "total_sq", "w2"]
    columns += ["customers"] if "customers" in frame.columns else []
    if by:
        out = weighted.groupby(by, dropna=False, as_index=False)[columns].sum()
    else:
        out = weighted[columns].sum().to_frame().T
    out["n_eff"] = out["n"] ** 2 / out["w2"]
    return out.drop(columns=["w2"])


def _evaluate(frame: pd.DataFrame, metric: str, confidence: float, nps_method: str) -> Any:
    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy(float)

    if metric == "nps":
        return stats.nps(
            col("promoters"),
            col("detractors"),
            col("n"),
            confidence=confidence,
            method=nps_method,
            n_effective=col("n_eff"),
        )
    if metric == "ces":
        return stats.mean_t(
            col("total"),
            col("total_sq"),
            col("n"),
            confidence=confidence,
            bounds=METRIC_RANGES["ces"],
        )
    return stats.wilson(col("agree"), col("n"), confidence=confidence)


def _compare(metric: str, cur: Any, prev: Any) -> stats.Comparison:
    if metric == "nps":
        return stats.nps_compare(cur, prev)
    if metric == "ces":
        return stats.means_compare(cur, prev)
    return stats.proportions_compare(cur, prev)


def _num(x: Any, digits: int = 4) -> float | int | None:
    value = float(x)
    if np.isnan(value):
        return None
    return int(value) if value.is_integer() and digits == 2 else round(value, digits)


def previous_period(key: str, value: str) -> str:
    """The period before ``value`` (a month ``YYYY-MM`` or the Monday of a week)."""
    return periods.previous_key(key, value)


def _finish(
    frame: pd.DataFrame, metric: str, by: list[str], confidence: float, nps_method: str
) -> list[dict[str, Any]]:
    frame = (
        frame[frame["n"] > 0].sort_values(by).reset_index(drop=True)
        if by
        else frame[frame["n"] > 0]
    )
    frame = frame.reset_index(drop=True)
    if frame.empty:
        return []
    result = _evaluate(frame, metric, confidence, nps_method)
    time_key = next((k for k in by if k in TIME_KEYS), None)
    comparison = None
    if time_key:
        others = [k for k in by if k != time_key]
        index = {
            tuple(r): i
            for i, r in enumerate(frame[[*others, time_key]].astype(str).itertuples(index=False))
        }
        prev_idx = np.array(
            [
                index.get((*tuple(r[:-1]), previous_period(time_key, r[-1])), -1)
                for r in frame[[*others, time_key]].astype(str).itertuples(index=False)
            ]
        )
        has_prev = prev_idx >= 0
        take = np.where(has_prev, prev_idx, 0)
        prev = type(result)(
            **{f: np.asarray(getattr(result, f))[take] for f in result.__dataclass_fields__}
        )
        comparison = _compare(metric, result, prev)
        n_eff = frame["n_eff"].to_numpy(float)
        testable = has_prev & (n_eff >= MIN_SAMPLE_FOR_TEST) & (n_eff[take] >= MIN_SAMPLE_FOR_TEST)
    rows: list[dict[str, Any]] = []
    for i in range(len(frame)):
        row: dict[str, Any] = {
            k: (None if pd.isna(frame.at[i, k]) else str(frame.at[i, k])) for k in by
        }
        row.update(
            metric=metric,
            n=int(round(float(frame.at[i, "n"]))),
        )
        if "customers" in frame.columns:
            row["customers"] = int(frame.at[i, "customers"])
        row.update(
            score=_num(result.score[i]),
            se=_num(result.se[i]),
            ci_low=_num(result.ci_low[i]),
            ci_high=_num(result.ci_high[i]),
            small_sample=bool(np.asarray(result.small_sample)[i]),
        )
        if metric == "nps":
            row.update(
                promoters=_num(result.promoters[i], 2),
                passives=_num(result.passives[i], 2),
                detractors=_num(result.detractors[i], 2),
            )
        elif metric == "ces":
            agree = stats.wilson(frame.at[i, "agree"], frame.at[i, "n"], confidence=confidence)
            row.update(
                agree_pct=_num(agree.score),
                agree_ci_low=_num(agree.ci_low),
                agree_ci_high=_num(agree.ci_high),
            )
        else:
            row.update(mean=_num(frame.at[i, "total"] / frame.at[i, "n"]))
        if comparison is not None:
            ok = bool(testable[i])
            row.update(
                delta=_num(comparison.delta[i]) if has_prev[i] else None,
                p_value=_num(comparison.p_value[i], 6) if ok else None,
                significant=bool(comparison.significant[i]) if ok else None,
            )
        rows.append(row)
    return rows
