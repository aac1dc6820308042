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


# --- opportunities


@journeys_app.command("opportunities")
@handle_errors
def opportunities_cmd(
    journey: Annotated[str, typer.Option(help="The journey of the organisation model (its key).")],
    target: Annotated[
        list[str] | None,
        typer.Option(
            help="A metric's target, METRIC=VALUE (nps, csat, ces; repeat the option); "
            "without it, a metric's target is its best touchpoint's score in the journey."
        ),
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    channel: ChannelOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The touchpoints of a journey ranked as priority opportunities: reach × (score gap to
    target + NPS points at stake of the top irritants / 100) × (1 + moment-of-truth effect),
    each component shown.

    Examples:

      cxpilot journeys opportunities --journey achat --format json

      cxpilot journeys opportunities --journey achat --target nps=40 --target csat=85
    """
    from cxpilot.kernel.periods import parse_date

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    from cxpilot.journeys.opportunities import parse_targets

    targets = parse_targets(target)
    setup(migrate=True)
    from cxpilot.journeys.opportunities import opportunities

    found = opportunities(
        actor=None,
        journey=journey,
        start=start,
        end=end,
        segment=segment,
        channel=channel,
        targets=targets,
    )
    if fmt == Format.json:
        emit(found.as_dict(), fmt)
        return
    rows = [{**r, "irritants": ", ".join(r["irritants"])} for r in found.rows]
    emit(rows, fmt, title=f"priority opportunities ({found.rule})")
