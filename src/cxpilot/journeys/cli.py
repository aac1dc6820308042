"""Commands of the journeys domain: ``cxpilot journeys dfg|variants|…``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

journeys_app = typer.Typer(
    help="Journeys from data: paths, variants, funnels, moments of truth, target journeys.",
    no_args_is_help=True,
)

FileOpt = Annotated[
    Path | None,
    typer.Option(
        help="Analyse this interactions file (CSV, Parquet, JSON Lines; columns event_id, "
        "customer_id, touchpoint, timestamp…) as it is, importing nothing."
    ),
]
CaseOpt = Annotated[
    str,
    typer.Option(
        help="What a case is: person (a unified customer), record (a source's customer id) "
        "or journey (the journey_id of the interactions' attributes)."
    ),
]
ActivityOpt = Annotated[str, typer.Option(help="What a step is: touchpoint or type.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")]
SegmentOpt = Annotated[str | None, typer.Option(help="Only the customers of this segment.")]
ChannelOpt = Annotated[str | None, typer.Option(help="Only the events of this channel.")]
TouchpointOpt = Annotated[str | None, typer.Option(help="Only the events of this touchpoint.")]
JourneyOpt = Annotated[
    str | None,
    typer.Option(help="Only the touchpoints of this journey of the organisation model (key)."),
]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(journeys_app, name="journeys")


@contextmanager
def _log(
    *,
    file: Path | None,
    case: str,
    activity: str,
    date_from: str | None,
    date_to: str | None,
    segment: str | None,
    channel: str | None,
    touchpoint: str | None,
    journey: str | None,
) -> Iterator[Any]:
    from cxpilot.kernel.periods import parse_date

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    setup(migrate=file is None)
    from cxpilot.journeys.log import LogFilters, event_log, interactions_source

    filters = LogFilters(
        start=start,
        end=end,
        segment=segment,
        channel=channel,
        touchpoint=touchpoint,
        journey=journey,
    )
    with interactions_source(file) as (table, in_warehouse):
        yield event_log(
            table, case=case, activity=activity, filters=filters, in_warehouse=in_warehouse
        )


@journeys_app.command("dfg")
@handle_errors
def dfg_cmd(
    file: FileOpt = None,
    case: CaseOpt = "person",
    activity: ActivityOpt = "touchpoint",
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    channel: ChannelOpt = None,
    touchpoint: TouchpointOpt = None,
    journey: JourneyOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The directly-follows graph: how often each step comes right after another, with the
    median and 90th percentile of the time between them; and where cases start and end.

    Examples:

      cxpilot journeys dfg --format json

      cxpilot journeys dfg --file events.csv --activity type
    """
    from cxpilot.journeys.flows import dfg

    with _log(
        file=file,
        case=case,
        activity=activity,
        date_from=date_from,
        date_to=date_to,
        segment=segment,
        channel=channel,
        touchpoint=touchpoint,
        journey=journey,
    ) as log:
        found = dfg(log)
    if fmt == Format.json:
        emit(
            {"edges": found.edges, "starts": found.starts, "ends": found.ends}
            | {"cases": found.cases, "events": found.events},
            fmt,
        )
        return
    emit(found.edges, fmt, title=f"directly-follows graph ({found.cases} cases)")


@journeys_app.command("variants")
@handle_errors
def variants_cmd(
    top: Annotated[int | None, typer.Option(min=1, help="Only the K most frequent.")] = None,
    file: FileOpt = None,
    case: CaseOpt = "person",
    activity: ActivityOpt = "touchpoint",
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    channel: ChannelOpt = None,
    touchpoint: TouchpointOpt = None,
    journey: JourneyOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The variants: each distinct path (sequence of steps), with its number of cases and
    share, most frequent first.

    Examples:

      cxpilot journeys variants --top 10 --format json

      cxpilot journeys variants --file events.parquet --top 20
    """
    from cxpilot.journeys.flows import variants

    with _log(
        file=file,
        case=case,
        activity=activity,
        date_from=date_from,
        date_to=date_to,
        segment=segment,
        channel=channel,
        touchpoint=touchpoint,
        journey=journey,
    ) as log:
        found = variants(log, top=top)
    if fmt == Format.table:
        found = [{**v, "path": " → ".join(v["path"])} for v in found]
    emit(found, fmt, title="variants")


# --- consistency and promises ------------------------------------------------------------


def _period(date_from: str | None, date_to: str | None) -> tuple[Any, Any]:
    from cxpilot.kernel.periods import parse_date

    return parse_date(date_from, "--from"), parse_date(date_to, "--to")


@journeys_app.command("consistency")
@handle_errors
def consistency_cmd(
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Consistency across touchpoints: for the persons who answered on both a human and a
    digital touchpoint of the same journey stage, the gap between their mean 0–100 scores
    (human − digital) with its paired 95% interval, per stage and overall.

    Examples:

      cxpilot journeys consistency --format json

      cxpilot journeys consistency --from 2026-01-01 --segment familles
    """
    start, end = _period(date_from, date_to)
    setup()
    from cxpilot.journeys.consistency import consistency

    found = consistency(actor=None, start=start, end=end, segment=segment)
    if fmt == Format.json:
        emit(found.as_dict(), fmt)
        return
    rows = [*found.stages, *([found.overall] if found.overall else [])]
    emit(
        [
            {
                "stage": g.stage or "(overall)",
                "persons": g.n,
                "human": g.human_mean,
                "digital": g.digital_mean,
                "gap": g.gap,
                "ci_low": g.ci_low,
                "ci_high": g.ci_high,
                "p": g.p,
            }
            for g in rows
        ],
        fmt,
        title="human − digital, paired per person (0–100)",
    )


@journeys_app.command("promises")
@handle_errors
def promises_cmd(
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The brand promises checked against the data: for each promise with a measure, the
    share of times it was kept (Wilson 95% interval), with the median and 90th percentile
    delay, per carrying touchpoint and per month.

    Examples:

      cxpilot journeys promises --format json

      cxpilot journeys promises --from 2026-03-01 --format csv
    """
    start, end = _period(date_from, date_to)
    setup()
    from cxpilot.journeys.promises import promises_checked

    found = promises_checked(actor=None, start=start, end=end, segment=segment)
    if fmt == Format.json:
        emit(found.as_dict(), fmt)
        return
    emit(
        [
            {"promise": p.key, "kind": p.kind, **k.as_dict()}
            for p in found.promises
            for k in (p.overall, *p.by_touchpoint, *p.by_month)
        ],
        fmt,
        title="brand promises kept",
    )
