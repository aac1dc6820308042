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
    else:
        found = [{"path": v["path"], "count": v["count"], "share": v["share"]} for v in found]
    emit(found, fmt, title="variants")


# --- Funnel and paths to an outcome ---------------------------------------------------------

StagesOpt = Annotated[
    str | None,
    typer.Option(
        help="The stages, in order, when there is no organisation journey (with --file): "
        "'stage=touchpoint,touchpoint;stage2=touchpoint'."
    ),
]


@journeys_app.command("funnel")
@handle_errors
def funnel_cmd(
    journey: Annotated[
        str | None,
        typer.Option(help="The journey of the organisation model (key) whose stages to follow."),
    ] = None,
    stages: StagesOpt = None,
    start_stage: Annotated[
        str | None,
        typer.Option(
            help="Begin at this stage (key), leaving out those before it: e.g. the purchase, "
            "when a case is a journey id."
        ),
    ] = None,
    file: FileOpt = None,
    case: CaseOpt = "person",
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    channel: ChannelOpt = None,
    touchpoint: TouchpointOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The funnel through the stages of a journey: per stage the cases that reached it (any
    time, and in order), the conversion from the previous stage, the drop-off, and the
    median and 90th percentile of the time from the previous and from the first stage.

    Examples:

      cxpilot journeys funnel --journey purchase

      cxpilot journeys funnel --journey purchase --case journey --start-stage buy

      cxpilot journeys funnel --file events.csv --stages "visit=website;buy=order;get=delivery"
    """
    from cxpilot.journeys.flows import funnel, parse_stages, stages_from
    from cxpilot.kernel.errors import ValidationError

    if journey and stages:
        raise ValidationError("give --journey or --stages, not both", where="--stages")
    if not journey and not stages:
        raise ValidationError(
            "give the journey (--journey KEY) or its stages (--stages "
            "'stage=touchpoint,touchpoint;…')",
            where="--journey",
        )
    if journey and file is not None:
        raise ValidationError(
            "a file has no organisation model: give its stages with --stages", where="--journey"
        )
    chosen = parse_stages(stages) if stages else None
    with _log(
        file=file,
        case=case,
        activity="touchpoint",
        date_from=date_from,
        date_to=date_to,
        segment=segment,
        channel=channel,
        touchpoint=touchpoint,
        journey=None,
    ) as log:
        if chosen is None:
            from cxpilot.journeys.log import stage_touchpoints

            chosen = stage_touchpoints(journey or "")
        if start_stage is not None:
            chosen = stages_from(chosen, start_stage)
        found = funnel(log, chosen)
    if fmt == Format.json:
        emit(found, fmt)
        return
    rows = [{**s, "touchpoints": ", ".join(s["touchpoints"])} for s in found["stages"]]
    title = f"funnel ({found['cases']} cases, {found['completed']} completed)"
    emit(rows, fmt, title=title)
    for note in found["notes"] + log.notes:
        err_note(note)


@journeys_app.command("paths")
@handle_errors
def paths_cmd(
    outcome: Annotated[
        str,
        typer.Option(
            help="An activity (a touchpoint, or a type with --activity type) or churn (no "
            "event in the last --churn-days days of the log)."
        ),
    ],
    steps: Annotated[int, typer.Option(min=1, help="How many events before the outcome.")] = 3,
    churn_days: Annotated[
        int, typer.Option(min=1, help="Days without an event that make a churn.")
    ] = 180,
    top: Annotated[int, typer.Option(min=1, help="Only the K most frequent paths.")] = 20,
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
    """The paths to an outcome: the steps right before its first occurrence in each case,
    ranked; and for each step before it, how much more often it comes there than in the
    cases in general (lift).

    Examples:

      cxpilot journeys paths --outcome lost_parcel

      cxpilot journeys paths --outcome churn --steps 2 --format json
    """
    from cxpilot.journeys.flows import paths_to

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
        found = paths_to(log, outcome, steps=steps, churn_days=churn_days, top=top)
    if fmt == Format.json:
        emit(found, fmt)
        return
    title = f"paths to {found['outcome']} ({found['cases_with_outcome']} of {found['cases']} cases)"
    rows = [{**p, "path": " → ".join(p["path"]) or "(start)"} for p in found["paths"]]
    emit(rows, fmt, title=title)
    if fmt == Format.table:
        emit(found["before"], fmt, title=f"steps before {found['outcome']}, with lift")


def err_note(text: str) -> None:
    from cxpilot.kernel.cli import err

    err.print(text, highlight=False, markup=False)
