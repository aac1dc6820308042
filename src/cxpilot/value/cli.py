"""Commands of the customer-value domain: ``cxpilot clv fit``, ``cxpilot value …``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

if TYPE_CHECKING:
    from cxpilot.value import segments

#: A Gamma-Gamma ``p`` beyond this is the likelihood running to the edge, not an estimate.
EDGE_P = 1000.0

clv_app = typer.Typer(
    help="Customer lifetime value (BG/NBD and Gamma-Gamma).", no_args_is_help=True
)


value_app = typer.Typer(help="Customer equity: value × risk segments.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(clv_app, name="clv")
    app.add_typer(value_app, name="value")


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


# --- value × risk segments

SegmentOpt = Annotated[
    str | None, typer.Option(help="Only the customers of this segment (tiers stay the base's).")
]
ValueCutsOpt = Annotated[
    str,
    typer.Option(help="Value tiers: the top share high, then up to this share medium."),
]
RiskCutsOpt = Annotated[
    str, typer.Option(help="Risk tiers: the least risk of high, then of medium.")
]
TierValueOpt = Annotated[str, typer.Option("--value", help="Value tier: high, medium or low.")]
TierRiskOpt = Annotated[str, typer.Option("--risk", help="Risk tier: high, medium or low.")]


def _cuts(value_cuts: str, risk_cuts: str) -> segments.Cuts:
    from cxpilot.value import segments

    return segments.cuts_checked(
        segments.parse_cuts(value_cuts, "--value-cuts"),
        segments.parse_cuts(risk_cuts, "--risk-cuts"),
    )


@value_app.command("segments")
@handle_errors
def segments_cmd(
    segment: SegmentOpt = None,
    value_cuts: ValueCutsOpt = "0.2,0.5",
    risk_cuts: RiskCutsOpt = "0.5,0.2",
    fmt: FormatOpt = Format.table,
) -> None:
    """The value × risk matrix: per value tier (by CLV: the top 20 %, the next 30 %, the rest)
    and risk tier (churn risk, else 1 − probability alive: high from 0.5, medium from 0.2),
    the customers, their equity (sum of CLV) and CLV at risk (sum of CLV × risk), high value
    at high risk first. Reads the customer values of `cxpilot clv predict`.

    Examples:

      cxpilot value segments --format json

      cxpilot value segments --segment Families --value-cuts 0.1,0.4 --format csv
    """
    setup()
    from cxpilot.value.segments import value_risk_matrix
    from cxpilot.warehouse.connection import warehouse

    cuts = _cuts(value_cuts, risk_cuts)
    with warehouse() as con:
        found = value_risk_matrix(con, segment=segment, cuts=cuts)
    if fmt == Format.json:
        emit(found.as_dict(), fmt)
        return
    emit(
        found.rows(),
        fmt,
        title=f"{found.customers} customers, equity {found.equity:,.0f}, "
        f"CLV at risk {found.clv_at_risk:,.0f}",
    )


@value_app.command("list")
@handle_errors
def list_cmd(
    value: TierValueOpt = "high",
    risk: TierRiskOpt = "high",
    segment: SegmentOpt = None,
    sort: Annotated[str, typer.Option(help="-clv (highest first), clv, -risk, risk.")] = "-clv",
    limit: Annotated[int, typer.Option(min=0, help="At most this many (0: all).")] = 0,
    value_cuts: ValueCutsOpt = "0.2,0.5",
    risk_cuts: RiskCutsOpt = "0.5,0.2",
    fmt: FormatOpt = Format.table,
) -> None:
    """The customers of one cell of the value × risk matrix, with their CLV and risk.

    Examples:

      cxpilot value list --value high --risk high --format csv

      cxpilot value list --value medium --risk high --sort -risk --limit 20
    """
    setup()
    from cxpilot.value.segments import MAX_PAGE, cell_customers
    from cxpilot.warehouse.connection import warehouse

    cuts = _cuts(value_cuts, risk_cuts)
    with warehouse() as con:
        found = cell_customers(
            con,
            value=value,
            risk=risk,
            segment=segment,
            cuts=cuts,
            sort=sort,
            limit=limit if 0 < limit <= MAX_PAGE else None,
        )
    rows = found.rows[:limit] if limit else found.rows
    emit(rows, fmt, title=f"{found.total} customers of {value} value at {risk} risk")


@value_app.command("cases")
@handle_errors
def cases_cmd(
    value: TierValueOpt = "high",
    risk: TierRiskOpt = "high",
    segment: SegmentOpt = None,
    reason: Annotated[str, typer.Option(help="Why they are followed up.")] = (
        "high value at high risk"
    ),
    by: Annotated[
        str | None, typer.Option(help="The user who opens them (their roles are checked).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Open a retention follow-up case for each customer of one cell (none for a customer
    who already has an open case for the same reason); prints how many were opened.

    Examples:

      cxpilot value cases --value high --risk high --reason "high value at high risk"

      cxpilot value cases --value medium --risk high --segment Families --by alice
    """
    setup()
    from cxpilot.kernel.cli import user_named
    from cxpilot.value.segments import segment_cases_open

    done = segment_cases_open(
        actor=user_named(by), value=value, risk=risk, segment=segment, reason=reason
    )
    emit(done.as_dict(), fmt)
