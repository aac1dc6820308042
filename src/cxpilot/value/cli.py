"""Commands of the customer-value domain: ``cxpilot clv fit``, ``cxpilot churn train|score``."""

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
    register_churn(app)


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


# --- churn risk

churn_app = typer.Typer(
    help="Churn risk: a calibrated classifier, its cross-validated AUC and the reasons per "
    "customer.",
    no_args_is_help=True,
)


def register_churn(app: typer.Typer) -> None:
    """Add the churn commands to ``app``."""
    app.add_typer(churn_app, name="churn")


def _churn_emit(found: dict[str, Any], fmt: Format) -> None:
    if fmt == Format.json:
        emit(found, fmt)
        return
    rows = [
        {
            "feature": f["feature"],
            "coefficient": f["coefficient"],
            "per_unit": f["per_unit"],
            "importance": f["importance"],
        }
        for f in found["features"]
    ]
    title = (
        f"AUC {found['auc']:.3f} ± {found['auc_sd']:.3f} ({found['folds']}-fold), "
        f"{found['n']} customers, {found['positives']} churned"
    )
    emit(rows, fmt, title=title)


@churn_app.command("train")
@handle_errors
def churn_train_cmd(
    file: Annotated[
        Path | None,
        typer.Option(
            help="A customer table (CSV, Parquet, JSON Lines) with a churn label; without "
            "it, the warehouse's persons as of --cutoff."
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            help="The file's churn label column (yes/no, true/false, 1/0, churned/retained)."
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="The file's customer id column (left out).")
    ] = None,
    cutoff: Annotated[
        str | None,
        typer.Option(help="Warehouse: the day (YYYY-MM-DD) the features are taken at."),
    ] = None,
    window_days: Annotated[
        int,
        typer.Option(
            help="Warehouse: churned = no purchase and no interaction in this many days "
            "after the cutoff (and active in as many before)."
        ),
    ] = 180,
    fmt: FormatOpt = Format.table,
) -> None:
    """Train the churn model and print its cross-validated AUC (stratified 5-fold, with its
    spread), the features with their importance, and the calibration curve.

    Examples:

      cxpilot churn train --file customers.csv --target Churn --id customerID --format json

      cxpilot churn train --cutoff 2026-04-30 --window-days 180
    """
    from cxpilot.kernel.errors import ValidationError

    if file is not None:
        if cutoff is not None:
            raise ValidationError(
                "a file brings its own label: leave out --cutoff", where="--cutoff"
            )
        if not target:
            raise ValidationError("name the file's churn label column", where="--target")
        setup(migrate=False)
        from cxpilot.value.churn import churn_train_file

        found = churn_train_file(path=file, target=target, id_column=id_column).as_dict()
        _churn_emit(found, fmt)
        return
    if target or id_column:
        raise ValidationError(
            "--target and --id are for a file; the warehouse's label is observed churn",
            where="--target" if target else "--id",
        )
    from cxpilot.kernel.periods import parse_date

    day = parse_date(cutoff, "--cutoff") if cutoff else None
    if day is None:
        raise ValidationError(
            "give --file FILE --target COLUMN, or --cutoff DATE", where="--cutoff"
        )
    from cxpilot.value.churn import window_checked

    days = window_checked(window_days)
    setup(migrate=True)
    from cxpilot.value.churn import churn_train_warehouse

    _churn_emit(churn_train_warehouse(cutoff=day, window_days=days).as_dict(), fmt)


@churn_app.command("score")
@handle_errors
def churn_score_cmd(
    as_of: Annotated[
        str | None,
        typer.Option(help="The day (YYYY-MM-DD) to score at; default: the last day with data."),
    ] = None,
    window_days: Annotated[
        int, typer.Option(help="The churn window in days (see churn train).")
    ] = 180,
    fmt: FormatOpt = Format.table,
) -> None:
    """Score every person active in the window up to --as-of: the model is trained at
    --as-of minus the window (where churn is observed), then applied as of --as-of. Writes
    each person's risk and top three reasons to the warehouse table churn_scores (whole, or
    nothing).

    Example:

      cxpilot churn score --format json
    """
    from cxpilot.kernel.periods import parse_date
    from cxpilot.value.churn import window_checked

    day = parse_date(as_of, "--as-of") if as_of else None
    days = window_checked(window_days)
    setup(migrate=True)
    from cxpilot.value.churn import churn_score

    done = churn_score(actor=None, as_of=day, window_days=days)
    found = {
        "as_of": done.as_of.isoformat(),
        "cutoff": done.trained.cutoff.isoformat(),
        "window_days": done.trained.window_days,
        "persons": done.persons,
        "mean_risk": round(done.mean_risk, 4),
        "auc": round(done.trained.model.auc, 4),
        "auc_sd": round(done.trained.model.auc_sd, 4),
        "table": "churn_scores",
    }
    emit(found if fmt == Format.json else [found], fmt)
