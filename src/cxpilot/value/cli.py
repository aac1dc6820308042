"""Commands of the customer-value domain: ``cxpilot clv``, ``value``, ``churn`` and ``impact``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

if TYPE_CHECKING:
    from cxpilot.value import segments

clv_app = typer.Typer(
    help="Customer lifetime value (BG/NBD and Gamma-Gamma).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(clv_app, name="clv")
    app.add_typer(value_app, name="value")  # --- profitability
    app.command("impact")(impact_cmd)  # --- the customer advocate
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
    from cxpilot.value.selectors import EDGE_P, clv_fit

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


# --- profitability ---------------------------------------------------------------------------

value_app = typer.Typer(
    help="Customer value: profitability, cost rules and value × risk segments.",
    no_args_is_help=True,
)
costs_app = typer.Typer(
    help="Cost rules: the cost to serve of an interaction whose data gives none.",
    no_args_is_help=True,
)
value_app.add_typer(costs_app, name="costs")

TypeOpt = Annotated[str, typer.Option("--type", help="Interaction type; empty: any type.")]
ChannelOpt = Annotated[str, typer.Option("--channel", help="Channel; empty: any channel.")]


def _rule_row(rule: Any) -> dict[str, object]:
    return {
        "type": rule.type,
        "channel": rule.channel,
        "cost": float(rule.cost),
        "note": rule.note,
    }


@costs_app.command("list")
@handle_errors
def costs_list_cmd(fmt: FormatOpt = Format.table) -> None:
    """List the cost rules ("" = any type or any channel)."""
    setup()
    from cxpilot.value.costing import cost_rule_list

    emit([_rule_row(r) for r in cost_rule_list(actor=None)], fmt, title="cost rules")


@costs_app.command("set")
@handle_errors
def costs_set_cmd(
    cost: Annotated[str, typer.Option(help="Cost to serve of one interaction (0 or more).")],
    type_: TypeOpt = "",
    channel: ChannelOpt = "",
    note: Annotated[str, typer.Option(help="Where the figure comes from.")] = "",
    fmt: FormatOpt = Format.table,
) -> None:
    """Set the cost of one interaction of a type on a channel (the rule of the same type
    and channel is replaced). The most specific rule wins: type and channel, then type,
    then channel, then the rule for any interaction.

    Examples:

      cxpilot value costs set --type call --channel phone --cost 6.50

      cxpilot value costs set --type return --cost 12 --note "carrier invoice 2026"
    """
    setup()
    from cxpilot.kernel.cli import err
    from cxpilot.value.costing import cost_rule_save, cost_rule_unseen

    rule, created = cost_rule_save(actor=None, type=type_, channel=channel, cost=cost, note=note)
    emit({**_rule_row(rule), "created": created}, fmt)
    for kind in cost_rule_unseen(type=rule.type, channel=rule.channel):
        name = rule.type if kind == "type" else rule.channel
        err.print(
            f"note: no interaction in the warehouse has the {kind} {name!r}: "
            "the rule costs nothing until such interactions are imported",
            highlight=False,
            markup=False,
        )


@costs_app.command("delete")
@handle_errors
def costs_delete_cmd(type_: TypeOpt = "", channel: ChannelOpt = "") -> None:
    """Delete the rule of a type and channel."""
    setup()
    from cxpilot.value.costing import cost_rule_delete, cost_rule_find

    rule = cost_rule_find(actor=None, type=type_, channel=channel)
    cost_rule_delete(actor=None, rule=rule)
    from cxpilot.kernel.cli import err

    err.print("deleted", highlight=False)


@value_app.command("profitability")
@handle_errors
def profitability_cmd(
    by: Annotated[
        str, typer.Option("--by", help="One row per customer, segment or touchpoint.")
    ] = "segment",
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    segment: Annotated[str | None, typer.Option(help="Only the customers of this segment.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Margin minus cost to serve, per customer (a person), segment or touchpoint; the
    share of customers who lose money. JSON holds the totals and the rows.

    Examples:

      cxpilot value profitability --by touchpoint --from 2026-01-01 --to 2026-06-30

      cxpilot value profitability --by customer --format csv > profit.csv
    """
    from cxpilot.kernel.periods import parse_date
    from cxpilot.value.profitability import check_view

    view = check_view(by)
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    setup()
    from cxpilot.value.profitability import profitability

    found = profitability(actor=None, start=first, end=last, segment=segment, views=(view,))
    rows = {"customer": found.customers, "segment": found.segments}.get(view, found.touchpoints)
    if fmt == Format.json:
        emit({**found.as_dict(), "by": view, "rows": rows}, fmt)
        return
    t = found.totals
    share = t["loss_share"]["share"]
    title = f"{t['customers']} customers, profit {t['profit']:.2f}, " + (
        f"{share:.1f} % lose money" if share is not None else "none"
    )
    emit(rows, fmt, title=title)


# --- lifetime values and the holdout check


def _day(raw: str, where: str) -> Any:
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.kernel.periods import parse_date

    day = parse_date(raw, where)
    if day is None:
        raise ValidationError("give a day (YYYY-MM-DD)", where=where)
    return day


def _note(message: str) -> None:
    from cxpilot.kernel.cli import err

    err.print(f"note: {message}", highlight=False, markup=False, soft_wrap=True)


#: The table format shows this many customers, the most valuable first (json and csv: all).
TABLE_ROWS = 50
_SHOWN = (
    "customer", "segment", "frequency", "recency", "age", "monetary", "p_alive", "p_alive_low",
    "p_alive_high", "expected_purchases", "expected_purchases_low", "expected_purchases_high",
    "expected_spend", "clv", "clv_low", "clv_high", "revenue_12m", "margin_share",
    "margin_basis",
)  # fmt: skip


@clv_app.command("predict")
@handle_errors
def predict_cmd(
    calibration_end: Annotated[
        str, typer.Option(help="Last day (YYYY-MM-DD) of the purchases the models learn from.")
    ],
    horizon_weeks: Annotated[
        int, typer.Option(help="Weeks ahead of the expected purchases (the CLV: in months).")
    ] = 52,
    discount_rate: Annotated[
        float, typer.Option(help="Annual discount rate of the CLV (0.10 for 10 %).")
    ] = 0.10,
    file: Annotated[
        Path | None,
        typer.Option(
            help="Predict from this transactions file, as it is: nothing is imported nor "
            "written, the values are only printed."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Predict each customer's P(alive), purchases over the horizon, spend a purchase and
    lifetime value (CLV, discounted, on the margin), with 95 % intervals for the
    uncertainty of the fitted parameters; write them to the warehouse table
    customer_value, with the customer equity by segment over time (customer_equity).

    Examples:

      cxpilot clv predict --calibration-end 2026-06-30 --format json

      cxpilot clv predict --file transactions.csv --calibration-end 1997-09-30 -f csv
    """
    import datetime as dt

    from cxpilot.value import selectors

    end = _day(calibration_end, "--calibration-end")
    selectors.check_options(horizon_weeks=horizon_weeks, discount_rate=discount_rate)
    setup(migrate=file is None)
    from cxpilot.value import services

    if file is None:
        found = services.customer_values_compute(
            calibration_end=end, horizon_weeks=horizon_weeks, discount_rate=discount_rate
        )
    else:
        found = selectors.customer_values_computed(
            calibration_end=end,
            horizon_weeks=horizon_weeks,
            discount_rate=discount_rate,
            file=file,
            history=False,
        )
    rows = services.customer_values_table(found, dt.datetime.now()).select(list(_SHOWN))
    margins = found.run.margins
    if margins.basis == selectors.MARGIN_DEFAULT:
        _note(
            f"no transaction gives a margin: the CLV counts {margins.overall:g} of each "
            "purchase's amount (CXPILOT_DEFAULT_MARGIN_RATE)"
        )
    else:
        _note(
            "the CLV counts each customer's margin share from their transactions' margins "
            f"(overall {margins.overall:.3g})"
        )
    if found.run.fit.gamma_gamma.p > selectors.EDGE_P:
        _note(
            f"the spend model ran to the edge of its parameters (p = "
            f"{found.run.fit.gamma_gamma.p:.3g}): the expected spend is close to each "
            "customer's own mean (see docs/value.md)"
        )
    if not (found.run.bg_cov.full and found.run.gg_cov.full):
        _note("some parameter directions are unbounded: the intervals leave them out")
    if file is None:
        _note(f"{rows.num_rows} customer values written to the warehouse (customer_value)")
    data = rows.to_pylist()
    if fmt == Format.table:
        data = sorted(data, key=lambda r: -(r["clv"] or 0.0))[:TABLE_ROWS]
        shown = ("customer", "segment", "frequency", "p_alive", "expected_purchases",
                 "expected_spend", "clv", "clv_low", "clv_high")  # fmt: skip
        emit(
            [{k: r[k] for k in shown} for r in data],
            fmt,
            title=f"{rows.num_rows} customers; the {len(data)} of highest CLV",
        )
        return
    emit(data, fmt)


@clv_app.command("holdout")
@handle_errors
def holdout_cmd(
    calibration_end: Annotated[
        str, typer.Option(help="Last day (YYYY-MM-DD) of the purchases the models learn from.")
    ],
    holdout_end: Annotated[
        str, typer.Option(help="Last day (YYYY-MM-DD) of the holdout period held against them.")
    ],
    file: Annotated[
        Path | None,
        typer.Option(help="Check on this transactions file, as it is, importing nothing."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Fit on the purchases up to the calibration end and compare with the holdout period:
    per number of calibration repeat purchases (0 … 7+), the mean repeat purchases
    predicted and made; by week, the cumulative repeat purchases predicted and made.

    Examples:

      cxpilot clv holdout --calibration-end 1997-09-30 --holdout-end 1998-06-30 -f json
    """
    from cxpilot.value.selectors import holdout_check

    end = _day(calibration_end, "--calibration-end")
    stop = _day(holdout_end, "--holdout-end")
    setup(migrate=file is None)
    found = holdout_check(calibration_end=end, holdout_end=stop, file=file)
    if fmt == Format.json:
        emit(found.as_dict(), fmt)
        return
    emit(
        found.by_frequency,
        fmt,
        title=f"holdout {found.holdout_weeks:.1f} weeks: {found.predicted:.1f} repeat purchases "
        f"predicted, {found.actual} made",
    )


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
    from cxpilot.value.decisions import churn_checked
    from cxpilot.value.impact import MAX_CHURN, MAX_NPS, range_parsed

    parsed = (
        None
        if churn_uplift is None
        else range_parsed(churn_uplift, where="--churn-uplift", limit=MAX_CHURN)
    )
    churn = (
        None if parsed is None else churn_checked(parsed.low, parsed.high, where="--churn-uplift")
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
    reason: Annotated[
        str | None,
        typer.Option(
            help='Why they are followed up (default: the cell, e.g. "high value at high risk").'
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="The user who opens them (their roles are checked).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Open a retention follow-up case for each customer of one cell (none for a customer
    who already has an open retention case, whatever its reason); prints how many were
    opened and how many were skipped as already open.

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
