"""Commands of VoC analytics: ``cxpilot metrics`` and ``cxpilot touchpoint-drivers``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, fail, handle_errors, setup
from cxpilot.kernel.output import Format, emit

# --------------------------------------------------------------------------- metrics


@handle_errors
def metrics_cmd(
    metric: Annotated[str, typer.Option(help="nps, ces or csat.")],
    by: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: touchpoint, stage, channel, segment, language, survey, source, month or week."
        ),
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Compute over this responses file as it is, importing nothing."),
    ] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Only this touchpoint (key).")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    segment: Annotated[str | None, typer.Option(help="Only this customer segment.")] = None,
    language: Annotated[str | None, typer.Option(help="Only answers in this language.")] = None,
    weights: Annotated[
        Path | None,
        typer.Option(help="Post-stratify by segment: a YAML file of segment: population share."),
    ] = None,
    method: Annotated[str, typer.Option(help="NPS interval: wald or adjusted-wald.")] = "wald",
    by_person: Annotated[
        bool,
        typer.Option(
            "--by-person",
            help="Weigh each customer (person) once per group: their latest answer in it.",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """NPS, CES or CSAT per group, with n, the distinct customers behind it, standard error,
    95 % interval and, over time, the change against the previous period and whether it is
    significant.

    Examples:

      cxpilot metrics --metric nps --by touchpoint,month --format json

      cxpilot metrics --metric ces --by channel --from 2026-01-01 --to 2026-03-31

      cxpilot metrics --metric csat --by month --file answers.csv

      cxpilot metrics --metric nps --by touchpoint --by-person
    """
    from cxpilot.analytics.metrics import parse_by, parse_date

    keys = parse_by(by)
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if method not in ("wald", "adjusted-wald"):
        fail(f"--method: {method!r} is not wald or adjusted-wald")
    shares = _read_shares(weights) if weights else None
    setup(migrate=file is None)
    from cxpilot.analytics.metrics import metric_groups

    rows = metric_groups(
        metric=metric.lower(),
        by=keys,
        start=start,
        end=end,
        file=file,
        filters={
            "touchpoint": touchpoint or "",
            "channel": channel or "",
            "segment": segment or "",
            "language": language or "",
        },
        population_shares=shares,
        nps_method=method,
        by_person=by_person,
    )
    emit(rows, fmt, title=f"{metric.upper()}")


def _read_shares(path: Path) -> dict[str, float]:
    import yaml

    from cxpilot.kernel.errors import ValidationError
    from cxpilot.kernel.textfiles import yaml_load

    try:
        data = yaml_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(f"cannot read the weights: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or not data:
        raise ValidationError("expected segment: population share pairs", where=str(path))
    shares: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValidationError(f"the share of {key!r} must be a number ≥ 0", where=str(path))
        shares[str(key)] = float(value)
    return shares


# --------------------------------------------------------------------------- drivers


@handle_errors
def touchpoint_drivers_cmd(
    outcome: Annotated[
        str, typer.Option(help="Touchpoint of the relationship survey whose score is explained.")
    ],
    outcome_metric: Annotated[str, typer.Option(help="Its metric: nps, ces or csat.")] = "nps",
    touchpoints: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated predictor touchpoints; by default those answered by "
            "--min-coverage of the persons with an outcome."
        ),
    ] = None,
    metric: Annotated[
        str | None, typer.Option(help="Only this metric's answers make the predictors.")
    ] = None,
    min_coverage: Annotated[
        float, typer.Option(help="Share of the persons with an outcome a predictor needs.")
    ] = 0.25,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Key drivers by touchpoint, per person: how much of the variance of a person's
    relationship score each touchpoint's experience explains (LMG shares of R²), from each
    person's mean score (0–100) on each touchpoint over every record of the person.

    Examples:

      cxpilot touchpoint-drivers --outcome relation --format json

      cxpilot touchpoint-drivers --outcome relation --touchpoints store,website,delivery
    """
    from cxpilot.analytics.metrics import parse_date

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    setup()
    from cxpilot.analytics.selectors import touchpoint_drivers

    result = touchpoint_drivers(
        actor=None,
        outcome=outcome,
        outcome_metric=outcome_metric.lower(),
        touchpoints=(touchpoints or "").split(",") if touchpoints else None,
        metric=metric.lower() if metric else None,
        min_coverage=min_coverage,
        start=start,
        end=end,
    )
    if fmt == Format.json:
        emit(result.as_dict(), fmt)
    else:
        emit(
            result.drivers,
            fmt,
            title=f"drivers of {outcome} {outcome_metric.upper()} "
            f"(R² {result.r2:.3f}, {result.n} persons)",
        )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.command("metrics")(metrics_cmd)
    app.command("touchpoint-drivers")(touchpoint_drivers_cmd)
