"""Commands of this domain, registered on the ``cxpilot`` app by :func:`register`.

``cxpilot maturity score|roadmap|model`` and ``cxpilot culture entropy|values``: files in,
numbers out, through the same pure functions as the web pages (and the same anonymity rule:
no group of fewer than 5 respondents is shown). They need no database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors
from cxpilot.kernel.output import Format, emit
from cxpilot.maturity.reports import culture_json, roadmap_json, score_json

maturity_app = typer.Typer(
    help="CX maturity: scores, levels and roadmap from assessment answers.", no_args_is_help=True
)
culture_app = typer.Typer(
    help="Culture values and cultural entropy (Barrett).", no_args_is_help=True
)

ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A custom maturity model (YAML); default: $CXPILOT_MATURITY_MODEL or the shipped one.",
    ),
]
AnswersArg = Annotated[
    Path, typer.Argument(help="CSV with the columns respondent, department, practice, rating.")
]


def _score(answers: Path, model_file: Path | None) -> tuple[Any, dict[str, Any]]:
    from cxpilot.maturity.catalog import model_load
    from cxpilot.maturity.files import answers_read
    from cxpilot.maturity.stats import maturity_report

    model = model_load(model_file)
    return model, maturity_report(model, answers_read(model, answers))


@maturity_app.command("score")
@handle_errors
def score_cmd(answers: AnswersArg, model: ModelOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Score maturity per dimension and overall, with the customer-centricity index and the
    alignment gap between departments. Departments with fewer than 5 respondents are not shown.

    Example:

      cxpilot maturity score answers.csv --format json
    """
    loaded, report = _score(answers, model)
    out = score_json(report, loaded)
    if fmt is Format.json:
        emit(out, fmt)
        return
    rows = []
    for d in out["dimensions"]:
        row = {k: d[k] for k in ("dimension", "score", "level", "level_name", "gap")}
        row.update(d["by_department"])
        rows.append(row)
    rows.append(
        {
            "dimension": "overall",
            "score": out["overall_score"],
            "level": out["overall_level"],
            "level_name": out["overall_level_name"],
            "gap": out["alignment_gap"],
        }
    )
    title = (
        f"customer-centricity {out['customer_centricity']}, alignment gap {out['alignment_gap']}"
    )
    emit(rows, fmt, title=title)


@maturity_app.command("roadmap")
@handle_errors
def roadmap_cmd(answers: AnswersArg, model: ModelOpt = None, fmt: FormatOpt = Format.table) -> None:
    """The prioritised roadmap (quick wins first; 30, 60, 90 days, 12 months) for the scores
    of an answers file.

    Example:

      cxpilot maturity roadmap answers.csv --format csv > roadmap.csv
    """
    from cxpilot.maturity.catalog import actions_load
    from cxpilot.maturity.roadmap import roadmap_plan

    _, report = _score(answers, model)
    scores = {d["dimension"]: d["score"] for d in report["dimensions"]}
    rows = roadmap_json(roadmap_plan(actions_load(), scores))
    if fmt is Format.json:
        emit(rows, fmt)
        return
    keep: tuple[str, ...] = (
        "horizon",
        "priority",
        "action",
        "impact",
        "effort",
        "quick_win",
        "owner",
    )
    if fmt is Format.csv:
        keep = (*keep[:3], "name", "name_fr", "dimension", "dimension_score", *keep[3:])
        rows = [{**r, "prerequisites": " ".join(r["prerequisites"])} for r in rows]
        keep = (*keep, "prerequisites")
    emit([{k: r[k] for k in keep} for r in rows], fmt, title="roadmap")


@maturity_app.command("model")
@handle_errors
def model_cmd(model: ModelOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check a maturity model file and list its dimensions and practices (an error names the
    line and key of the first problem).

    Example:

      cxpilot maturity model --model my-model.yaml
    """
    from cxpilot.maturity.catalog import model_load

    loaded = model_load(model)
    emit(
        [
            {
                "dimension": d.key,
                "dimension_weight": d.weight,
                "practice": p.key,
                "practice_weight": p.weight,
                "question": p.question["en"],
            }
            for d in loaded.dimensions
            for p in d.practices
        ],
        fmt,
        title=loaded.name["en"],
    )


@culture_app.command("entropy")
@handle_errors
def entropy_cmd(
    votes: Annotated[
        Path, typer.Argument(help="CSV with the columns respondent, department, lens, value.")
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Cultural entropy (share of current-culture votes for limiting values), top values,
    matches and jumps. Up to 10 values per respondent and lens (current or desired).

    Example:

      cxpilot culture entropy votes.csv --format json
    """
    from cxpilot.maturity.catalog import values_load
    from cxpilot.maturity.files import votes_read
    from cxpilot.maturity.stats import culture_report

    catalogue = values_load()
    report = culture_json(culture_report(catalogue, votes_read(catalogue, votes)))
    if fmt is Format.json:
        emit(report, fmt)
        return
    rows = [
        {"list": name, **item}
        for name in ("top_current", "top_desired", "matches", "jumps")
        for item in report[name]
    ]
    emit(rows, fmt, title=f"entropy {report['entropy']} % ({report['band']})")


@culture_app.command("values")
@handle_errors
def values_cmd(fmt: FormatOpt = Format.table) -> None:
    """List the values catalogue: key, positive or potentially limiting, English and French.

    Example:

      cxpilot culture values --format csv
    """
    from cxpilot.maturity.catalog import values_load

    emit(
        [
            {"value": v.key, "kind": v.kind, "en": v.name["en"], "fr": v.name["fr"]}
            for v in values_load().values()
        ],
        fmt,
    )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(maturity_app, name="maturity")
    app.add_typer(culture_app, name="culture")
