"""Commands of the customers domain: ``cxpilot customers link``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel import csvcells
from cxpilot.kernel.cli import FormatOpt, handle_errors, progress, setup
from cxpilot.kernel.output import Format, emit

customers_app = typer.Typer(
    help="Customers: the same person across files and sources.", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="A customers file: CSV, Parquet or JSON Lines.")]
PAIR_COLUMNS = ("id_a", "id_b", "match_probability")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(customers_app, name="customers")


@customers_app.command("link")
@handle_errors
def link_cmd(
    file_a: FileArg,
    file_b: FileArg,
    threshold: Annotated[
        float, typer.Option(help="Least match probability of a pair printed (0 to 1).")
    ] = 0.5,
    fmt: FormatOpt = Format.table,
) -> None:
    """Link two customers files: the pairs of records, one from each file, that are the same
    person, with their match probability, best first.

    Both files are in the customers import format (customer_id, first_name, last_name,
    email, phone, address, postcode, city, birth_date…; see docs/data-model.md). The model
    is fitted on the two files themselves, without labels. Nothing is stored. Example:

      cxpilot customers link crm.csv eshop.parquet --threshold 0.9 --format csv
    """
    setup()
    from cxpilot.customers.selectors import files_linked, threshold_checked

    threshold_checked(threshold)
    with progress(f"linking {file_a.name} and {file_b.name}", steps=1) as step:
        result = files_linked(path_a=file_a, path_b=file_b, threshold=threshold)
        step("done")
    rows: list[dict[str, Any]] = []
    for row in result.pairs.to_pylist():
        p = row["match_probability"]
        shown: Any = round(p, 6) if fmt is Format.json else f"{p:.4f}"
        rows.append({"id_a": row["id_a"], "id_b": row["id_b"], "match_probability": shown})
    if not rows and fmt is Format.csv:  # the header alone: no pair above the threshold
        csvcells.writer(sys.stdout).writerow(PAIR_COLUMNS)
        return
    emit(rows, fmt, title=f"same person in {file_a.name} and {file_b.name}")
