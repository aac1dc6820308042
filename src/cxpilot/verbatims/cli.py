"""Commands of verbatim analytics: ``cxpilot themes …``, ``cxpilot irritants``,
``cxpilot drivers``. A thin layer over :mod:`cxpilot.verbatims.services` and
:mod:`cxpilot.verbatims.selectors`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, err, handle_errors, progress, setup
from cxpilot.kernel.output import Format, emit

themes_app = typer.Typer(
    help="Themes of verbatims: discover them, analyse the verbatims, edit the taxonomy.",
    no_args_is_help=True,
)

FromOpt = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")]
TouchpointOpt = Annotated[str, typer.Option(help="Only this touchpoint (key).")]
LanguageOpt = Annotated[str, typer.Option(help="Only verbatims in this language: fr, en or other.")]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(themes_app, name="themes")
    app.command("irritants")(irritants_cmd)
    app.command("drivers")(drivers_cmd)
    app.command("sentiment")(sentiment_cmd)


def _scope(touchpoint: str, date_from: str | None, date_to: str | None, language: str) -> Any:
    from cxpilot.analytics.metrics import parse_date
    from cxpilot.verbatims.selectors import Scope

    return Scope(
        touchpoint=touchpoint.strip(),
        start=parse_date(date_from, "--from"),
        end=parse_date(date_to, "--to"),
        language=language.strip().lower(),
    )


@themes_app.command("discover")
@handle_errors
def discover_cmd(
    themes: Annotated[
        int, typer.Option(help="Components to find per language before similar ones merge (2–60).")
    ] = 30,
    seed: Annotated[int, typer.Option(help="Seed of the factorisation.")] = 0,
    fmt: FormatOpt = Format.table,
) -> None:
    """Discover the themes of the stored verbatims (French and English), fit the sentiment
    model, then analyse every verbatim. Themes people renamed, pinned or gave rules keep
    their edits.

    The sentiment model is cross-fitted (5 folds): the stored sentiment of each answer it
    learnt from comes from the model fitted without that answer's fold. The output gives its
    cross-validated accuracy and macro-F1, the texts of each label and, when it fell back to
    the shipped lexicon, why.

    Example:

      cxpilot themes discover --themes 30 --format json
    """
    setup()
    from cxpilot.verbatims.services import themes_discover, verbatims_analyse

    with progress("themes", 6) as step:
        found = themes_discover(themes=themes, seed=seed, progress=step)
        step("analysing")
        done = verbatims_analyse(full=True)
    report = found.pop("sentiment")
    if report["model"] != "fitted":
        err.print(
            f"sentiment: fell back to the shipped lexicon: {report['reason']}",
            highlight=False,
            soft_wrap=True,
        )
    fields = sentiment_fields(report)
    if fmt == Format.table:  # the table shows 2 decimals: 0.9953 would read 1.00
        for key in (
            "sentiment_cv_accuracy",
            "sentiment_cv_macro_f1",
            "lexicon_accuracy",
            "lexicon_macro_f1",
        ):
            if fields[key] is not None:
                fields[key] = f"{fields[key]:.4f}"
    emit(
        {**found, "analysed": done["analysed"], "mentions": done["mentions"], **fields},
        fmt,
        title=sentiment_title(report),
    )


def sentiment_fields(report: dict[str, Any]) -> dict[str, Any]:
    """How the sentiment model was made, as flat output fields."""
    return {
        "sentiment_model": report["model"] or None,
        "sentiment_fallback_reason": report["reason"] or None,
        "sentiment_texts": report["texts"],
        "sentiment_negative": report["negative"],
        "sentiment_neutral": report["neutral"],
        "sentiment_positive": report["positive"],
        "sentiment_unlabelled": report["unlabelled"],
        "sentiment_folds": report["folds"],
        "sentiment_cv_accuracy": report["accuracy"],
        "sentiment_cv_macro_f1": report["macro_f1"],
        "lexicon_accuracy": report["lexicon_accuracy"],
        "lexicon_macro_f1": report["lexicon_macro_f1"],
    }


def sentiment_title(report: dict[str, Any]) -> str:
    if report["model"] == "fitted":
        return (
            f"sentiment model fitted on {report['texts']:,} texts: cross-validated accuracy "
            f"{report['accuracy']:.3f}, macro-F1 {report['macro_f1']:.3f} "
            f"({report['folds']} folds)"
        )
    return f"sentiment from the shipped lexicon: {report['reason']}"


@themes_app.command("analyse")
@handle_errors
def analyse_cmd(
    new_only: Annotated[
        bool, typer.Option("--new-only", help="Only answers not analysed yet.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Detect language, themes and sentiment of the stored verbatims with the current
    taxonomy (after editing themes, or after importing answers with --new-only).

    Example:

      cxpilot themes analyse --new-only
    """
    setup()
    from cxpilot.verbatims.services import verbatims_analyse

    emit(verbatims_analyse(full=not new_only), fmt)


@themes_app.command("list")
@handle_errors
def list_cmd(
    touchpoint: TouchpointOpt = "",
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the themes with their labels, key words, mentions and share of negative and
    positive mentions.

    Example:

      cxpilot themes list --touchpoint website --format csv
    """
    setup()
    from cxpilot.verbatims.selectors import theme_summary

    rows = theme_summary(scope=_scope(touchpoint, date_from, date_to, ""))
    emit(
        [
            {
                "id": r["id"],
                "label_en": r["theme"].label_en,
                "label_fr": r["theme"].label_fr,
                "keywords": r["keywords"],
                "active": r["theme"].active,
                "pinned": r["theme"].pinned,
                "merged_into": r["theme"].merged_into_id,
                "mentions": r["mentions"],
                "negative_pct": r["negative"],
                "positive_pct": r["positive"],
            }
            for r in rows
        ],
        fmt,
        title="themes",
    )


@themes_app.command("rename")
@handle_errors
def rename_cmd(
    theme: Annotated[int, typer.Argument(help="Theme id.")],
    en: Annotated[str, typer.Option("--en", help="English label.")],
    fr: Annotated[str, typer.Option("--fr", help="French label.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Rename a theme in English and French (a later discovery keeps the names).

    Example:

      cxpilot themes rename 4 --en "Late delivery" --fr "Livraison en retard"
    """
    setup()
    from cxpilot.verbatims.services import theme_rename

    done = theme_rename(actor=None, pk=theme, label_en=en, label_fr=fr)
    emit({"id": done.pk, "label_en": done.label_en, "label_fr": done.label_fr}, fmt)


@themes_app.command("merge")
@handle_errors
def merge_cmd(
    theme: Annotated[int, typer.Argument(help="Theme id to merge.")],
    into: Annotated[int, typer.Option(help="Theme id that takes its verbatims.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Merge a theme into another (applied at the next `cxpilot themes analyse`).

    Example:

      cxpilot themes merge 7 --into 4 && cxpilot themes analyse
    """
    setup()
    from cxpilot.verbatims.services import theme_merge

    done = theme_merge(actor=None, pk=theme, into=into)
    emit(
        {"id": done.pk, "merged_into": done.merged_into_id, "applied": "at the next analysis"},
        fmt,
    )


@themes_app.command("split")
@handle_errors
def split_cmd(
    theme: Annotated[int, typer.Argument(help="Theme id to split.")],
    en: Annotated[str, typer.Option("--en", help="English label of the new theme.")],
    fr: Annotated[str, typer.Option("--fr", help="French label of the new theme.")],
    keywords: Annotated[
        str, typer.Option(help='Comma-separated key words of the new theme ("livr*" = prefix).')
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Split a theme: its verbatims that match the key words go to a new theme.

    Example:

      cxpilot themes split 4 --en "Damaged parcel" --fr "Colis abîmé" --keywords "abime*,damaged"
    """
    setup()
    from cxpilot.verbatims.services import theme_split

    child = theme_split(actor=None, pk=theme, label_en=en, label_fr=fr, keywords=keywords)
    emit({"id": child.pk, "label_en": child.label_en, "label_fr": child.label_fr}, fmt)


@themes_app.command("pin")
@handle_errors
def pin_cmd(
    theme: Annotated[int, typer.Argument(help="Theme id.")],
    off: Annotated[bool, typer.Option("--off", help="Unpin instead.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Pin a theme so a later discovery leaves its definition as it is (or --off).

    Example:

      cxpilot themes pin 4
    """
    setup()
    from cxpilot.verbatims.services import theme_pin

    done = theme_pin(actor=None, pk=theme, pinned=not off)
    emit({"id": done.pk, "pinned": done.pinned}, fmt)


@themes_app.command("rule")
@handle_errors
def rule_cmd(
    theme: Annotated[int, typer.Argument(help="Theme id.")],
    keywords: Annotated[str, typer.Argument(help='Comma-separated key words ("livr*" = prefix).')],
    fmt: FormatOpt = Format.table,
) -> None:
    """Add keyword rules: a verbatim with these words gets the theme at the next analysis.

    Example:

      cxpilot themes rule 4 "en retard, late delivery, livr*"
    """
    setup()
    from cxpilot.verbatims.services import theme_rule_add

    made = theme_rule_add(actor=None, pk=theme, pattern=keywords)
    emit({"id": theme, "rules_added": [r.pattern for r in made]}, fmt)


@handle_errors
def irritants_cmd(
    touchpoint: TouchpointOpt = "",
    each_touchpoint: Annotated[
        bool, typer.Option("--each-touchpoint", help="One ranking per touchpoint.")
    ] = False,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    language: LanguageOpt = "",
    file: Annotated[
        Path | None,
        typer.Option(help="Analyse this responses file as it is, storing nothing."),
    ] = None,
    min_mentions: Annotated[int, typer.Option(help="Leave out rarer themes.")] = 5,
    examples: Annotated[int, typer.Option(help="Example verbatims per theme.")] = 3,
    limit: Annotated[int, typer.Option(help="At most this many themes (per touchpoint).")] = 20,
    fmt: FormatOpt = Format.table,
) -> None:
    """Irritants: the themes ranked by the NPS points at stake — how much higher the NPS
    would be if the theme's detractor share were that of the other answers — with mentions,
    NPS with and without the theme, a 95 % interval on the impact and example verbatims.

    Examples:

      cxpilot irritants --touchpoint website --from 2026-03-01 --format json

      cxpilot irritants --each-touchpoint --language fr --format csv

      cxpilot irritants --file answers.csv --format json
    """
    setup()
    from cxpilot.verbatims.selectors import irritants

    if limit < 1:
        from cxpilot.kernel.errors import ValidationError

        raise ValidationError("--limit must be at least 1", where="--limit")
    rows = irritants(
        scope=_scope(touchpoint, date_from, date_to, language),
        each_touchpoint=each_touchpoint,
        file=file,
        min_mentions=min_mentions,
        examples=max(0, examples),
    )
    kept: list[dict[str, Any]] = []
    per: dict[Any, int] = {}
    for row in rows:
        per[row["touchpoint"]] = per.get(row["touchpoint"], 0) + 1
        if per[row["touchpoint"]] <= limit:
            kept.append(row)
    emit(kept, fmt, title="irritants")


@handle_errors
def drivers_cmd(
    outcome: Annotated[str, typer.Option(help="nps, csat or ces.")] = "nps",
    touchpoint: TouchpointOpt = "",
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    method: Annotated[str, typer.Option(help="both, lmg or relative_weights.")] = "both",
    max_themes: Annotated[int, typer.Option(help="Most-mentioned themes used (2–15).")] = 12,
    fmt: FormatOpt = Format.table,
) -> None:
    """Key drivers: which themes explain the outcome score, by Shapley-value (LMG)
    regression and Johnson's relative weights, each with its share of R², and where each
    theme falls in the importance × performance quadrant.

    Example:

      cxpilot drivers --outcome nps --format json
    """
    setup()
    from cxpilot.verbatims.selectors import drivers

    result = drivers(
        outcome=outcome,
        scope=_scope(touchpoint, date_from, date_to, ""),
        method=method,
        max_themes=max_themes,
    )
    if fmt == Format.json:
        emit(result, fmt)
    else:
        emit(result["predictors"], fmt, title=f"drivers of {outcome} (R² {result['r_squared']})")


@handle_errors
def sentiment_cmd(
    file: Annotated[Path, typer.Argument(help="A CSV, Parquet or JSON Lines file.")],
    column: Annotated[str, typer.Option(help="Column of the texts.")] = "text",
    language_column: Annotated[
        str | None,
        typer.Option(help="Column of each text's language (fr, en…); detected when not given."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="shipped (the lexicon) or fitted (the model `themes discover` fitted); "
            "by default fitted if there is one, else shipped."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Score the sentiment of every text of a file, in order: row (the line of a CSV or JSON
    Lines file, the row of a Parquet file), language (fr, en or other), label (negative,
    neutral or positive) and score (−1 to 1). Nothing is stored.

    Examples:

      cxpilot sentiment answers.csv --column comment --format csv > scored.csv

      cxpilot sentiment export.parquet --column text --language-column lang --model shipped
    """
    setup()
    from cxpilot.verbatims.selectors import file_sentiment

    result = file_sentiment(path=file, column=column, language_column=language_column, model=model)
    used = "the fitted model" if result["model"] == "fitted" else "the shipped lexicon"
    if model is None and fmt != Format.table:
        err.print(f"sentiment scored with {used}", highlight=False, soft_wrap=True)
    emit(result["rows"], fmt, title=f"sentiment of {file.name} (scored with {used})")
