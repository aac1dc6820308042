"""Commands of the customer-value domain: ``cxpilot clv fit``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

#: A Gamma-Gamma ``p`` beyond this is the likelihood running to the edge, not an estimate.
EDGE_P = 1000.0

clv_app = typer.Typer(
    help="Customer lifetime value (BG/NBD and Gamma-Gamma).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(clv_app, name="clv")
    app.command("impact")(impact_cmd)  # --- the customer advocate


@clv_app.command("fit")
@handle_errors
def fit_cmd(
    calibration_end: Annotated[
        str, typer.Option(help="Last day (YYYY-MM-DD) of the purchases the models learn from.")
    ],
    file: Annotated[
        Path | None,
        typer.Option(
            help="Fit on this transactions file (transaction_id, customer_id, timestamp, "
            "amount…) as it is, importing nothing."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Fit BG/NBD (the purchases) and Gamma-Gamma (the spend) by maximum likelihood, in
    weeks: purchases of one day count as one, the first purchase is not a repeat.

    Examples:

      cxpilot clv fit --calibration-end 2026-06-30 --format json

      cxpilot clv fit --file transactions.csv --calibration-end 1997-09-30
    """
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.kernel.periods import parse_date

    end = parse_date(calibration_end, "--calibration-end")
    if end is None:
        raise ValidationError("give the last day of calibration", where="--calibration-end")
    setup(migrate=file is None)
    from cxpilot.value.selectors import clv_fit

    found = clv_fit(calibration_end=end, file=file).as_dict()
    if found["gamma_gamma"]["p"] > EDGE_P:
        from cxpilot.kernel.cli import err

        err.print(
            f"note: the spend model ran to the edge of its parameters (p = "
            f"{found['gamma_gamma']['p']:.3g}): these amounts are not shaped as Gamma-Gamma "
            "assumes (see docs/value.md); read its figures with care",
            highlight=False,
            markup=False,
        )
    if fmt == Format.json:
        emit(found, fmt)
        return
    rows = [
        {"model": model, "parameter": k, "value": v}
        for model in ("bg_nbd", "gamma_gamma")
        for k, v in found[model].items()
    ]
    emit(rows, fmt, title=f"{found['customers']} customers, {found['repeat_customers']} repeat")


# --- the customer advocate


@handle_errors
def impact_cmd(
    churn_uplift: Annotated[
        str | None,
        typer.Option(help="Assumed churn uplift in percentage points: X, or LOW:HIGH."),
    ] = None,
    nps_change: Annotated[
        str | None,
        typer.Option(help="Assumed NPS change in NPS points: X, or LOW:HIGH (e.g. -8:-3)."),
    ] = None,
    segment: Annotated[
        list[str] | None, typer.Option(help="A segment key in scope (repeatable).")
    ] = None,
    touchpoint: Annotated[
        list[str] | None, typer.Option(help="A touchpoint key in scope (repeatable).")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option(help="A channel in scope (repeatable).")
    ] = None,
    stage: Annotated[
        list[str] | None,
        typer.Option(help="A journey stage in scope, JOURNEY:STAGE or STAGE (repeatable)."),
    ] = None,
    save: Annotated[
        str | None, typer.Option(help="Keep the decision and its assessment under this title.")
    ] = None,
    moments: Annotated[
        bool,
        typer.Option(help="Estimate the moments of truth of the touchpoints in scope."),
    ] = True,
    fmt: FormatOpt = Format.table,
) -> None:
    """What a decision puts at risk: the customers it touches, their revenue and lifetime
    value, what the assumed churn uplift (or NPS change) would cost, their NPS and open
    cases, the moments of truth in scope and what past data shows.

    Examples:

      cxpilot impact --segment families --churn-uplift 2:5 --format json

      cxpilot impact --touchpoint call_centre --nps-change -8:-3 --save "Close the call centre on Saturdays"
    """
    from cxpilot.value.impact import MAX_CHURN, MAX_NPS, range_parsed

    churn = (
        None
        if churn_uplift is None
        else range_parsed(churn_uplift, where="--churn-uplift", limit=MAX_CHURN)
    )
    nps = (
        None
        if nps_change is None
        else range_parsed(nps_change, where="--nps-change", limit=MAX_NPS)
    )
    setup()
    from cxpilot.value.impact import impact_assessed, scope_checked

    scope = scope_checked(
        segments=segment or [],
        touchpoints=touchpoint or [],
        channels=channel or [],
        stages=stage or [],
    )
    if save is not None:
        from cxpilot.value.decisions import title_checked

        title_checked(save)  # a bad title fails before the work
    found = impact_assessed(actor=None, scope=scope, churn=churn, nps=nps, moments=moments)
    if save is not None:
        from cxpilot.value.decisions import decision_save

        kept = decision_save(
            actor=None,
            title=save,
            scope=scope.as_dict(),
            churn=(churn.low, churn.high) if churn else (None, None),
            nps=(nps.low, nps.high) if nps else (None, None),
            assessment=found,
        )
        found = {**found, "decision_id": kept.pk}
    if fmt == Format.json:
        emit(found, fmt)
        return
    emit(_impact_rows(found), fmt, title=f"{found['customers']} customers touched")


def _impact_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The assessment as rows of figure, low, high (a single value in ``low``)."""

    def row(name: str, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return {"figure": name, "value": value.get("low"), "high": value.get("high")}
        return {"figure": name, "value": value, "high": None}

    rows = [
        row("customers touched", found["customers"]),
        row("revenue of the last 12 months", round(found["revenue_12m"], 2)),
        row("lifetime value (CLV)", None if found["clv"] is None else round(found["clv"], 2)),
        row("churn uplift used (points)", found["assumption"]["churn_uplift_used"]),
        row("customers expected lost", found["customers_lost"]),
        row("revenue at risk", found["revenue_at_risk"]),
        row("CLV at risk", found["clv_at_risk"]),
        row("NPS of the touched", found["nps"]["score"]),
        row("open cases", found["open_cases"]["count"]),
    ]
    seen = found["evidence"]["churn_observed"]
    rows.append(row("observed churn, touched (%)", seen["touched"]["rate"]))
    rows.append(row("observed churn, others (%)", seen["others"]["rate"]))
    for moment in found["evidence"]["moments"]:
        rows.append(
            row(f"moment of truth: {moment['touchpoint']} ({moment['outcome']})", moment["effect"])
        )
    for note in found["notes"]:
        rows.append(row("note", note))
    if "decision_id" in found:
        rows.append(row("decision kept", found["decision_id"]))
    return rows
