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


# ------------------------------------------------------------------------ moments of truth


@journeys_app.command("moments")
@handle_errors
def moments_cmd(
    outcome: Annotated[
        str,
        typer.Option(
            help="What the experience changes: repeat (a purchase within 90 days), churn (no "
            "purchase afterwards) or nps (the next relationship NPS)."
        ),
    ],
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    outcome_touchpoint: Annotated[
        str | None,
        typer.Option(
            help="The touchpoint whose NPS is the relationship NPS (by default the one "
            "outside every journey stage that most persons answered)."
        ),
    ] = None,
    file: FileOpt = None,
    responses: Annotated[
        Path | None,
        typer.Option(help="With --file: the answers, a file in the responses import format."),
    ] = None,
    transactions: Annotated[
        Path | None,
        typer.Option(help="With --file: the purchases, a file in the transactions import format."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The moments of truth: per touchpoint, how much a poor experience there (a score that
    opens a follow-up case) changes what the customer does next, controlling for segment,
    channel, tenure, recent interactions and month; with its 95% interval, strongest harm
    first.

    Examples:

      cxpilot journeys moments --outcome churn --format json

      cxpilot journeys moments --outcome nps --from 2025-01-01

      cxpilot journeys moments --outcome repeat --file events.csv --responses answers.csv
      --transactions purchases.csv
    """
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.kernel.periods import parse_date

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if file is None:
        for option, value in (("--responses", responses), ("--transactions", transactions)):
            if value is not None:
                raise ValidationError(
                    f"{option} goes with --file (the interactions file)", where=option
                )
    elif segment is not None:
        raise ValidationError(
            "segments come from the imported customers; they are not available with --file",
            where="--segment",
        )
    setup()
    from cxpilot.journeys.moments import moments_of_truth, moments_of_truth_in_files

    if file is None:
        found = moments_of_truth(
            actor=None,
            outcome=outcome,
            start=start,
            end=end,
            segment=segment,
            outcome_touchpoint=outcome_touchpoint,
        )
    else:
        found = moments_of_truth_in_files(
            actor=None,
            outcome=outcome,
            interactions=file,
            responses=responses,
            transactions=transactions,
            start=start,
            end=end,
            outcome_touchpoint=outcome_touchpoint,
        )
    if fmt != Format.table:
        emit(found.rows, fmt)
        return
    emit(found.rows, fmt, title=f"moments of truth: {found.outcome} (effect in {found.unit})")
    from cxpilot.kernel.cli import err

    for row in found.not_estimated:
        err.print(f"not estimated: {row['touchpoint']}: {row['reason']}", highlight=False)
    for note in found.notes:
        err.print(note, highlight=False)
