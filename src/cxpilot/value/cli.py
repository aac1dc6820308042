"""Commands of the customer-value domain: ``cxpilot clv fit``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
