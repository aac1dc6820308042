"""Commands of the initiatives domain: ``cxpilot initiatives add|list|effect``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

initiatives_app = typer.Typer(
    help="CX initiatives: record them, rank the backlog, measure their effect.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(initiatives_app, name="initiatives")


def _row(i: Any) -> dict[str, Any]:
    from cxpilot.initiatives.selectors import initiative_row

    return initiative_row(i)


@initiatives_app.command("add")
@handle_errors
def add_cmd(
    name: Annotated[str, typer.Option(help="Name of the initiative.")],
    touchpoint: Annotated[
        list[str], typer.Option(help="Key of a touchpoint it changes (repeat for several).")
    ],
    metric: Annotated[str, typer.Option(help="The KPI it should move: nps, ces or csat.")],
    start: Annotated[
        str | None, typer.Option(help="The day it started (YYYY-MM-DD), if it has.")
    ] = None,
    description: Annotated[str, typer.Option(help="What it is.")] = "",
    theme: Annotated[
        list[str] | None,
        typer.Option(help="Label of a verbatim theme (irritant) it addresses (repeatable)."),
    ] = None,
    expected_change: Annotated[
        float | None, typer.Option(help="Expected change of the KPI, in its points.")
    ] = None,
    department: Annotated[
        str,
        typer.Option(help="Key of the owning department (default: the one the RACI proposes)."),
    ] = "",
    effort: Annotated[str, typer.Option(help="Effort: S, M or L.")] = "M",
    person_days: Annotated[int | None, typer.Option(help="Effort in person-days.")] = None,
    cost_one_off: Annotated[str, typer.Option(help="One-off cost.")] = "0",
    cost_monthly: Annotated[str, typer.Option(help="Running cost per month.")] = "0",
    expected_return: Annotated[str, typer.Option(help="Expected return per year.")] = "",
    customers: Annotated[
        int | None, typer.Option(help="Customers the change reaches in a year (for the return).")
    ] = None,
    planned: Annotated[str | None, typer.Option(help="Planned day (YYYY-MM-DD).")] = None,
    done: Annotated[str | None, typer.Option(help="Day it was done (YYYY-MM-DD).")] = None,
    status: Annotated[
        str,
        typer.Option(help="proposed, planned, started, done or dropped (default: from the dates)."),
    ] = "",
    source: Annotated[
        str, typer.Option(help="The roadmap action or council decision it comes from.")
    ] = "",
    council: Annotated[
        int | None, typer.Option(help="Id of the governance council that decided it.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record an initiative. Nothing is stored when an option is wrong.

    Example:

      cxpilot initiatives add --name "New app" --touchpoint app --metric ces --start 2025-09-15
    """
    from cxpilot.kernel.periods import parse_date

    dates = {
        "started_on": parse_date(start, "--start"),
        "planned_on": parse_date(planned, "--planned"),
        "done_on": parse_date(done, "--done"),
    }
    setup()
    from cxpilot.initiatives.services import Draft, initiative_save

    draft = Draft(
        name=name,
        touchpoints=touchpoint,
        metric=metric,
        description=description,
        themes=theme or [],
        expected_change=expected_change,
        department=department,
        effort=effort,
        person_days=person_days,
        cost_one_off=cost_one_off,
        cost_monthly=cost_monthly,
        expected_return=expected_return or None,
        customers_reached=customers,
        status=status,
        source=source,
        council=council,
        **dates,
    )
    emit(_row(initiative_save(actor=None, draft=draft)), fmt)


@initiatives_app.command("list")
@handle_errors
def list_cmd(fmt: FormatOpt = Format.table) -> None:
    """List the initiatives."""
    setup()
    from cxpilot.initiatives.selectors import initiative_list

    emit([_row(i) for i in initiative_list(actor=None)], fmt, title="initiatives")


@initiatives_app.command("effect")
@handle_errors
def effect_cmd(
    initiative: Annotated[int, typer.Argument(help="Id of the initiative.", min=1)],
    window: Annotated[
        int | None,
        typer.Option(help="Months before and after the start (default: the settings', 6)."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The measured effect of an initiative on its KPI from its start day: a
    difference-in-differences against the untouched touchpoints of the same metric (with the
    parallel-trends check), or an interrupted time series when there is none; with its 95 %
    interval; and its return (``return``, ``return_ci_low``, ``return_ci_high``, ``roi``),
    valued from the customer-value data where it exists (``basis`` data) or the editable
    value of a KPI point (``basis`` assumption). See docs/initiatives.md.
    """
    setup()
    from cxpilot.initiatives.selectors import (
        initiative_effect,
        initiative_get,
        initiative_return,
        return_dict,
    )

    chosen = initiative_get(actor=None, pk=initiative)
    effect = initiative_effect(actor=None, initiative=chosen, window=window)
    found = effect.as_dict()
    returned = return_dict(*initiative_return(chosen, effect))
    out = {
        "initiative": initiative,
        "effect": found["effect"],
        "ci_low": found["ci_low"],
        "ci_high": found["ci_high"],
        "method": found["method"],
        "n": found["n"],
        **{
            k: v
            for k, v in found.items()
            if k not in ("effect", "ci_low", "ci_high", "method", "n")
        },
        **returned,
    }
    if fmt is not Format.json:
        valuation = out.pop("valuation") or {}
        out.update({f"valuation_{k}": v for k, v in valuation.items() if k != "touchpoints"})
        trend = out.pop("parallel_trends") or {}
        out.update({f"parallel_trends_{k}": v for k, v in trend.items()})
        cells = out.pop("cells") or {}
        out.update({k: v for k, v in cells.items() if k != "answers"})
    emit(out, fmt)
