"""Commands of the journeys domain: ``cxpilot journeys dfg|variants|…``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, err, handle_errors, setup
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
    if file is None:
        _known(touchpoint=touchpoint, channel=channel, segment=segment)
    with interactions_source(file) as (table, in_warehouse):
        yield event_log(
            table, case=case, activity=activity, filters=filters, in_warehouse=in_warehouse
        )


def _known(**filters: str | None) -> None:
    """A filter naming no touchpoint, channel or segment of the organisation is an error on
    its option (as in the API and the pages), not an empty answer that reads as "no data"."""
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.organisation.selectors import filters_known

    try:
        filters_known(**{k: v or "" for k, v in filters.items()})
    except ValidationError as exc:
        raise ValidationError(exc.detail, where=f"--{exc.where}") from None


def _say_if_empty(log: Any, cases: int) -> None:
    """Say why a log has no case when the reason is likely the case's definition."""
    if cases == 0 and log.case == "journey":
        err.print(
            "no interaction here has a journey_id in its attributes: --case journey needs "
            "one (see docs/journeys.md), or use --case person or record",
            highlight=False,
            markup=False,
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
        _say_if_empty(log, found.cases)
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
        _say_if_empty(log, len(found))
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

    err.print(text, highlight=False, markup=False)


# --- target journeys and conformance

targets_app = typer.Typer(
    help="Target journeys: the expected path of a journey (steps, order, time limits).",
    no_args_is_help=True,
)
journeys_app.add_typer(targets_app, name="targets")


def _target_definition(target: str) -> Any:
    """The definition of ``--target``: a stored target's key, or a YAML file (a path ending in
    .yaml, .yml or .json)."""
    from cxpilot.journeys.targets import from_yaml

    path = Path(target)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        from cxpilot.kernel.textfiles import read_bytes

        return from_yaml(read_bytes(path), where=str(path))
    from cxpilot.journeys import selectors

    return selectors.target_definition(selectors.target_get(actor=None, key=target))


@journeys_app.command("conformance")
@handle_errors
def conformance_cmd(
    target: Annotated[
        str, typer.Option(help="The target journey: its key, or a YAML file of one.")
    ],
    file: FileOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    segment: SegmentOpt = None,
    responses: Annotated[
        Path | None,
        typer.Option(help="With --file: an answers file (responses import format) for the NPS."),
    ] = None,
    transactions: Annotated[
        Path | None,
        typer.Option(
            help="With --file: a transactions file (import format) for repeat purchase and churn."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """How many cases follow a target journey, how the others deviate (missing step, wrong
    order, time limit breached, unexpected activity), where they leave the path, and how NPS,
    repeat purchase and churn differ between conforming and deviating cases (with --file, from
the --responses and --transactions files).
    The target says what a case and an activity are. CSV gives the deviations.

    Examples:

      cxpilot journeys conformance --target commande_en_ligne --format json

      cxpilot journeys conformance --target target.yaml --file events.csv

      cxpilot journeys conformance --target t.yaml --file events.csv --responses answers.csv \
        --transactions purchases.csv
    """
    from cxpilot.kernel.periods import parse_date

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    setup(migrate=Path(target).suffix.lower() not in (".yaml", ".yml", ".json"))
    from cxpilot.journeys.selectors import target_conformance

    definition = _target_definition(target)
    report = target_conformance(
        actor=None,
        definition=definition,
        file=file,
        start=start,
        end=end,
        segment=segment,
        responses_file=responses,
        transactions_file=transactions,
    )
    if fmt == Format.json:
        emit(report.as_dict(), fmt)
        return
    if fmt == Format.csv:
        emit(report.deviations, fmt)
        return
    summary = {
        k: v
        for k, v in report.as_dict().items()
        if k not in ("steps", "deviations", "exits", "outcomes", "notes")
    }
    emit(summary, fmt, title=f"conformance to {report.name}")
    emit(report.steps, fmt, title="steps reached")
    emit(
        [
            {
                "deviation": " ".join(
                    str(d[k]) for k in ("kind", "before", "step", "activity") if d[k] is not None
                ),
                "cases": d["cases"],
                "share": d["share"],
                "median_excess_h": d["median_excess_hours"],
                "p90_excess_h": d["p90_excess_hours"],
            }
            for d in report.deviations
        ],
        fmt,
        title="deviations (wrong_order: the step that must come first, then the other)",
    )
    emit(report.exits, fmt, title="where the deviating cases leave the path (last step reached)")
    if report.outcomes:
        emit(report.outcomes, fmt, title="outcomes: conforming vs deviating")
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)


@targets_app.command("list")
@handle_errors
def targets_list_cmd(fmt: FormatOpt = Format.table) -> None:
    """The target journeys, by name.

    Example:

      cxpilot journeys targets list --format json
    """
    setup()
    from cxpilot.journeys import selectors

    rows = [
        {
            "key": t.key,
            "name": t.name,
            "journey": t.journey.key if t.journey else None,
            "case": t.case,
            "activity": t.activity,
            "steps": len(t.definition.get("steps", [])),
            "updated_at": t.updated_at.isoformat(timespec="seconds"),
        }
        for t in selectors.target_list(actor=None)
    ]
    emit(rows, fmt, title="target journeys")


@targets_app.command("show")
@handle_errors
def targets_show_cmd(
    key: Annotated[str, typer.Argument(help="The target journey's key.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """A target journey's definition: its steps, their order and time limits.

    Example:

      cxpilot journeys targets show commande_en_ligne --format json
    """
    setup()
    from cxpilot.journeys import selectors

    definition = selectors.target_definition(selectors.target_get(actor=None, key=key))
    if fmt == Format.json:
        emit(definition.as_dict(), fmt)
        return
    emit(
        [
            {
                "step": s.key,
                "name": s.name,
                "activities": ", ".join(s.activities),
                "required": s.required,
                "after": ", ".join(s.after),
                "within_hours": s.within_hours,
            }
            for s in definition.steps
        ],
        fmt,
        title=f"{definition.name} ({definition.case} cases, {definition.activity} activities, "
        f"other activities {'allowed' if definition.allow_other else 'deviate'})",
    )


@targets_app.command("load")
@handle_errors
def targets_load_cmd(
    path: Annotated[Path, typer.Argument(help="A YAML file of one target journey.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Create a target journey from a YAML file, or replace the one of the same key.

    Example:

      cxpilot journeys targets load commande_en_ligne.yaml
    """
    setup()
    from cxpilot.journeys.services import target_load
    from cxpilot.kernel.textfiles import read_bytes

    target, created = target_load(actor=None, text=read_bytes(path), where=str(path))
    emit(
        {"key": target.key, "name": target.name, "created": created},
        fmt,
        title="target journey " + ("created" if created else "replaced"),
    )


@targets_app.command("export")
@handle_errors
def targets_export_cmd(
    key: Annotated[str, typer.Argument(help="The target journey's key.")],
) -> None:
    """Write a target journey as YAML to the standard output (``load`` reads it back).

    Example:

      cxpilot journeys targets export commande_en_ligne > commande_en_ligne.yaml
    """
    setup()
    from cxpilot.journeys import selectors

    definition = selectors.target_definition(selectors.target_get(actor=None, key=key))
    typer.echo(definition.to_yaml(), nl=False)


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

    for row in found.not_estimated:
        err.print(f"not estimated: {row['touchpoint']}: {row['reason']}", highlight=False)
    for note in found.notes:
        err.print(note, highlight=False)


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
