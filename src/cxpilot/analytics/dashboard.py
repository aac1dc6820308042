"""Reads of the VoC dashboard: metric groups for its charts, its filter choices, and the
verbatims behind any cell.

Each chart is one grouped query in the warehouse engine (through
:func:`cxpilot.analytics.metrics.metric_groups`); the verbatims are one page of one Ibis query
(``LIMIT``/``OFFSET``) plus its count. Every read takes the ``actor`` and checks
``organisation.view_analytics`` (``None`` is the system itself).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from cxpilot.analytics.metrics import METRICS, TIME_KEYS, metric_groups
from cxpilot.kernel import periods, roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.organisation.models import Channel, JourneyStage, Segment, Touchpoint

PERMISSION = "organisation.view_analytics"
#: Months shown when the page is opened without a period: the last twelve with answers.
DEFAULT_MONTHS = 12
PAGE_SIZE = 25
#: Seconds the results of the engine are cached (they are keyed on the warehouse's state, so
#: new answers are seen at once; this only bounds memory).
CACHE_SECONDS = 3600
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows, and which answers a drill-down lists.

    ``start``/``end`` are days, both included. ``stage``, ``month`` and ``week`` (the Monday
    a week starts on) narrow the verbatims to one cell of a chart.
    """

    metric: str = "nps"
    grain: str = "month"
    start: dt.date | None = None
    end: dt.date | None = None
    channel: str = ""
    segment: str = ""
    touchpoint: str = ""
    language: str = ""
    stage: str = ""
    month: str = ""
    week: str = ""

    def __post_init__(self) -> None:
        if self.metric and self.metric not in METRICS:
            raise ValidationError(f"unknown metric {self.metric!r}", where="metric")
        if self.grain not in TIME_KEYS:
            raise ValidationError(f"unknown period {self.grain!r}", where="grain")
        if self.start and self.end and self.end < self.start:
            raise ValidationError("the end of the period is before its start", where="to")
        if self.month:
            periods.parse_month(self.month, where="month")
        if self.week:
            monday = periods.parse_week(self.week, where="week")
            object.__setattr__(self, "week", monday.isoformat())

    def engine_filters(self) -> dict[str, str]:
        """The equality filters :func:`metric_groups` applies."""
        keys = ("channel", "segment", "touchpoint", "language", "stage")
        return {k: getattr(self, k) for k in keys if getattr(self, k)}

    def params(self) -> dict[str, str]:
        """The URL parameters of these filters, empty values left out."""
        params = {
            "metric": self.metric,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "channel": self.channel,
            "segment": self.segment,
            "touchpoint": self.touchpoint,
            "language": self.language,
            "stage": self.stage,
            "month": self.month,
            "week": self.week,
        }
        return {k: v for k, v in params.items() if v}

    def query(self, **changes: Any) -> str:
        """The URL query string of these filters (with ``changes``)."""
        return urlencode((replace(self, **changes) if changes else self).params())


# --- Filter choices ------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """The values each filter offers, and the day of the latest answer (None: no answer)."""

    touchpoints: list[tuple[str, str]]
    segments: list[tuple[str, str]]
    channels: list[tuple[str, str]]
    languages: list[str]
    latest: dt.date | None


@dataclass(frozen=True)
class WarehouseState:
    """What the dashboard's cache keys on: the warehouse, and a stamp that changes whenever
    answers or customers are added (row counts and latest import times)."""

    url: str
    stamp: tuple[Any, ...]
    latest: dt.datetime | None

    def key(self, *parts: Any) -> str:
        text = repr((self.url, self.stamp, parts))
        return "cxpilot.analytics.dashboard:" + hashlib.sha256(text.encode()).hexdigest()


def warehouse_state() -> WarehouseState:
    """Row counts and latest import times of ``responses`` and ``customers``, and the latest
    answer: two small aggregates (DuckDB answers them from its statistics)."""
    from django.conf import settings

    from cxpilot.warehouse.connection import answers, warehouse

    with warehouse() as con:
        r = con.table("responses")
        c = con.table("customers")
        answers = (
            r.aggregate(n=r.count(), imported=r.imported_at.max(), latest=r.timestamp.max())
            .to_pyarrow()
            .to_pylist()[0]
        )
        customers = c.aggregate(n=c.count(), imported=c.imported_at.max()).to_pyarrow()
        people = customers.to_pylist()[0]
    return WarehouseState(
        url=str(settings.CXPILOT_WAREHOUSE_URL),  # type: ignore[misc]
        stamp=(answers["n"], answers["imported"], people["n"], people["imported"]),
        latest=answers["latest"],
    )


def filter_choices(*, actor: Actor, state: WarehouseState | None = None) -> Choices:
    """Touchpoints and segments of the organisation, channels and languages of the answers,
    and the day of the latest answer.

    The channels and languages in use take a scan of the answers: they are cached until the
    warehouse changes.
    """
    roles.require(actor, PERMISSION)
    from django.core.cache import cache

    from cxpilot.warehouse.connection import answers, warehouse

    state = state or warehouse_state()
    key = state.key("choices")
    values = cache.get(key)
    if values is None:
        with warehouse() as con:
            t = answers(con)
            pairs = t.select("channel", "language").distinct().to_pyarrow().to_pylist()
        values = (
            sorted({str(r["channel"]) for r in pairs if r["channel"]}),
            sorted({str(r["language"]) for r in pairs if r["language"]}),
        )
        cache.set(key, values, CACHE_SECONDS)
    labels = dict(Channel.choices)
    channels = set(values[0]) | set(labels)
    return Choices(
        touchpoints=list(Touchpoint.objects.order_by("name").values_list("key", "name")),
        segments=list(Segment.objects.order_by("name").values_list("key", "name")),
        channels=sorted(((c, str(labels.get(c, c))) for c in channels), key=lambda c: c[1].lower()),
        languages=list(values[1]),
        latest=state.latest.date() if state.latest is not None else None,
    )


def default_period(
    latest: dt.date | None, full_month: str = ""
) -> tuple[dt.date | None, dt.date | None]:
    """The last twelve months up to the latest answer (whole months), or all time. With
    ``full_month`` (the last month with enough answers, :func:`last_full_month`), the view ends
    in that month: a later month of a handful of answers does not set it."""
    if latest is None:
        return None, None
    if full_month:
        latest = min(latest, periods.month_end(periods.parse_month(full_month)))
    return periods.month_start(latest, 1 - DEFAULT_MONTHS), latest


# --- The dashboard -------------------------------------------------------------------------


@dataclass
class Stage:
    key: str
    name: str


@dataclass
class Dashboard:
    """The rows of each chart, as :func:`metric_groups` gives them, with names added.

    ``cells``: one row per touchpoint × journey stage over the period. ``trend``: one row per
    period (month or week) over every answer the filters keep. ``trends``: one row per
    touchpoint × period. Trends cover the whole periods that meet ``start..end``; each period
    is compared with the one before it, even when that one lies before ``start``.
    """

    filters: Filters
    stages: list[Stage]
    cells: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    touchpoint_names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.cells


def _stages() -> tuple[list[Stage], dict[str, int]]:
    """Journey stages in journey order (a key shared by two journeys is shown once)."""
    stages: list[Stage] = []
    seen: dict[str, int] = {}
    for key, name in JourneyStage.objects.order_by("journey__name", "position").values_list(
        "key", "name"
    ):
        if key not in seen:
            seen[key] = len(stages)
            stages.append(Stage(key=key, name=name))
    return stages, seen


def _groups(state: WarehouseState, **query: Any) -> list[dict[str, Any]]:
    """:func:`metric_groups`, cached until the warehouse changes."""
    from django.core.cache import cache

    where = query.get("filters") or {}
    stage_map = (
        sorted(Touchpoint.objects.values_list("key", "stage__key"), key=str)
        if "stage" in where or "stage" in query.get("by", ())
        else None
    )
    key = state.key("groups", sorted(query.items(), key=lambda kv: kv[0]), stage_map)
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = metric_groups(**query)
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def dashboard(*, actor: Actor, filters: Filters, state: WarehouseState | None = None) -> Dashboard:
    """Three grouped queries: touchpoint (with its journey stage), period, touchpoint × period.

    Their results are cached until the warehouse changes (``state``, read when not given).
    """
    roles.require(actor, PERMISSION)
    state = state or warehouse_state()
    metric = filters.metric or "nps"
    grain = filters.grain
    where = filters.engine_filters()
    stages, stage_order = _stages()
    touchpoints = {
        key: (name, stage or None)
        for key, name, stage in Touchpoint.objects.values_list("key", "name", "stage__key")
    }
    names = {key: name for key, (name, _stage) in touchpoints.items()}
    stage_names = {s.key: s.name for s in stages}
    # A touchpoint has one stage: grouping by touchpoint and naming its stage here gives the
    # rows of ``by=["touchpoint", "stage"]`` without joining the stages in the engine.
    cells = _groups(
        state, metric=metric, by=["touchpoint"], start=filters.start, end=filters.end, filters=where
    )
    for row in cells:
        key = row["touchpoint"]
        name, stage = touchpoints.get(key, (key, None))
        row.update(
            touchpoint_name=name,
            stage=stage,
            stage_name=stage_names.get(stage or "", ""),
            stage_order=stage_order.get(stage or "", len(stages)),
        )
    cells.sort(key=lambda r: (r["stage_order"], str(r["touchpoint_name"]).lower()))

    start = periods.shift_start(grain, filters.start, -1) if filters.start else None
    end = (
        periods.period_bounds(grain, periods.period_key(grain, filters.end))[1]
        if filters.end
        else None
    )
    first = periods.period_key(grain, filters.start) if filters.start else ""
    trend = [
        row
        for row in _groups(state, metric=metric, by=[grain], start=start, end=end, filters=where)
        if row[grain] >= first
    ]
    order = {row["touchpoint"]: i for i, row in enumerate(cells)}
    trends = [
        row
        for row in _groups(
            state, metric=metric, by=["touchpoint", grain], start=start, end=end, filters=where
        )
        if row[grain] >= first and row["touchpoint"] in order
    ]
    for row in trends:
        row["touchpoint_name"] = names.get(row["touchpoint"], row["touchpoint"])
    trends.sort(key=lambda r: (order[r["touchpoint"]], r[grain]))
    for row in (*trend, *trends):
        row["period"] = row[grain]
        row["period_start"] = periods.period_start(grain, row[grain]).isoformat()
    return Dashboard(
        filters=filters,
        stages=stages,
        cells=cells,
        trend=trend,
        trends=trends,
        touchpoint_names=names,
    )


def cell_params(filters: Filters, row: Mapping[str, Any]) -> dict[str, str]:
    """The URL parameters of the verbatims behind one row of a chart (the parameters of
    :class:`Filters`).

    A touchpoint cell keeps the period; a point in time is its whole month or week.
    """
    params = filters.params()
    if "touchpoint" in row:
        params["touchpoint"] = row["touchpoint"]
    grain = filters.grain
    if row.get(grain):
        params.pop("from", None)
        params.pop("to", None)
        params[grain] = row[grain]
    return params


# --- Verbatims -----------------------------------------------------------------------------


@dataclass
class VerbatimPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    page_size: int
    #: Names of the touchpoints, by key (for the rows and the filters).
    touchpoint_names: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)


def verbatims(
    *,
    actor: Actor,
    filters: Filters,
    page: int = 1,
    query: str = "",
    page_size: int = PAGE_SIZE,
) -> VerbatimPage:
    """The answers with a verbatim that ``filters`` keep, newest first, one page of them.

    ``query`` keeps the verbatims that contain it (case-insensitive). The filters select the
    same answers as :func:`metric_groups` with the same filters: a cell's verbatims are
    exactly those of the answers it counts.
    """
    roles.require(actor, PERMISSION)
    query = query.strip()[:MAX_QUERY_LENGTH]
    page = max(1, page)
    from cxpilot.warehouse.connection import answers, warehouse

    with warehouse() as con:
        t = answers(con)
        t = t.filter(t.verbatim.notnull() & (t.verbatim.strip() != ""))
        if filters.metric:
            t = t.filter(t.metric == filters.metric)
        start, end = filters.start, filters.end
        for grain in TIME_KEYS:
            value = getattr(filters, grain)
            if value:
                first, last = periods.period_bounds(grain, value, where=grain)
                start = max(start, first) if start else first
                end = min(end, last) if end else last
        if start:
            t = t.filter(t.timestamp >= dt.datetime.combine(start, dt.time()))
        if end:
            t = t.filter(t.timestamp < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        for key in ("channel", "touchpoint", "language"):
            value = getattr(filters, key)
            if value:
                t = t.filter(t[key] == value)
        if filters.stage:
            keys = list(
                Touchpoint.objects.filter(stage__key=filters.stage).values_list("key", flat=True)
            )
            t = t.filter(t.touchpoint.isin(keys or [""]))
        if filters.segment:
            customers = con.table("customers")
            customers = customers.filter(customers.segment == filters.segment).select(
                "source", "customer_id"
            )
            t = t.semi_join(customers, ["source", "customer_id"])
        if query:
            t = t.filter(t.verbatim.lower().contains(query.lower()))
        total = int(t.count().to_pyarrow().as_py())
        pages = max(1, -(-total // page_size))
        page = min(page, pages)
        rows = (
            t.order_by([t.timestamp.desc(), t.response_id.desc()])
            .select(
                "response_id",
                "timestamp",
                "metric",
                "score",
                "touchpoint",
                "channel",
                "language",
                "verbatim",
            )
            .limit(page_size, offset=(page - 1) * page_size)
            .to_pyarrow()
            .to_pylist()
        )
    names = dict(Touchpoint.objects.values_list("key", "name"))
    for row in rows:
        row["touchpoint_name"] = names.get(row["touchpoint"], row["touchpoint"])
        row["timestamp"] = periods.utc(row["timestamp"])
    return VerbatimPage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_size=page_size,
        touchpoint_names=names,
    )
