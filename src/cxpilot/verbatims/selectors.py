"""Reads of verbatim analytics: irritants, themes with their numbers, verbatim search, drivers.

Counting is done in the warehouse engine (Ibis); the statistics are
:mod:`cxpilot.verbatims.stats` and :mod:`cxpilot.analytics.drivers`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
from django.conf import settings
from django.db.models import Count, Max

from cxpilot.kernel import periods
from cxpilot.kernel.errors import ValidationError
from cxpilot.verbatims import stats
from cxpilot.verbatims.models import TextModel, Theme
from cxpilot.verbatims.normalise import fold

__all__ = [
    "Scope",
    "data_version",
    "drivers",
    "file_sentiment",
    "irritant_trend",
    "irritants",
    "scoring_model",
    "sentiment_by_touchpoint",
    "theme_labels",
    "theme_summary",
    "verbatim_search",
]

LANGUAGE_CHOICES = ("fr", "en", "other")


@dataclass(frozen=True)
class Scope:
    """Which answers: touchpoint, period (inclusive days), detected language."""

    touchpoint: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    language: str = ""

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError("--to is before --from", where="--to")
        if self.language and self.language not in LANGUAGE_CHOICES:
            raise ValidationError(
                f"unknown language {self.language!r}; use fr, en or other", where="--language"
            )


#: Labels of the themes found in a file analysed without a stored taxonomy.
_file_labels: dict[int, dict[str, Any]] = {}


@contextmanager
def _tables(file: Path | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """(responses, verbatim_analysis, verbatim_themes): the warehouse's, or a file's."""
    if file is None:
        from cxpilot.verbatims.services import ensure_derived
        from cxpilot.warehouse.connection import answers, warehouse

        with warehouse() as con:
            ensure_derived(con)
            yield (
                answers(con),
                con.table("verbatim_analysis"),
                con.table("verbatim_themes"),
            )
        return
    from cxpilot.verbatims.services import analyse_file

    con = ibis.duckdb.connect()
    try:
        _file_labels.clear()
        _file_labels.update(analyse_file(con=con, path=file))
        yield con.table("responses"), con.table("verbatim_analysis"), con.table("verbatim_themes")
    finally:
        con.disconnect()


def _where(r: Any, scope: Scope) -> Any:
    """``r`` limited to the scope's touchpoint and period."""
    if scope.touchpoint:
        r = r.filter(r.touchpoint == scope.touchpoint)
    if scope.start:
        r = r.filter(r.timestamp >= dt.datetime.combine(scope.start, dt.time()))
    if scope.end:
        r = r.filter(r.timestamp < dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time()))
    return r


def _scoped(responses: Any, analysis: Any, scope: Scope, metric: str = "nps") -> Any:
    r = _where(responses.filter(responses.metric == metric), scope)
    a = analysis.select("source", "response_id", detected=analysis.language)
    r = r.left_join(a, ["source", "response_id"]).select(r, a.detected)
    declared = r.language.lower().substr(0, 2)
    lang = ibis.coalesce(
        r.detected,
        ibis.cases((declared == "fr", "fr"), (declared == "en", "en"), else_="other"),
    )
    r = r.mutate(lang=lang)
    if scope.language:
        r = r.filter(r.lang == scope.language)
    return r


def _counts(t: Any) -> dict[str, Any]:
    return {
        "n": t.count(),
        "promoters": (t.score >= 9).ifelse(1, 0).sum(),
        "detractors": (t.score <= 6).ifelse(1, 0).sum(),
    }


def _with_impact(frame: pd.DataFrame) -> pd.DataFrame:
    """Add share, NPS with / without, impact and its interval to per-theme counts (columns
    ``n, promoters, detractors`` and the same with ``_total`` for the scope)."""
    result = stats.impact(
        mentions=frame["n"],
        promoters=frame["promoters"],
        detractors=frame["detractors"],
        total=frame["n_total"],
        total_promoters=frame["promoters_total"],
        total_detractors=frame["detractors_total"],
    )
    return frame.assign(
        share=result.share,
        nps_with=result.nps_with,
        nps_without=result.nps_without,
        impact=result.impact,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
    )


def theme_labels(language: str | None = None) -> dict[int, dict[str, Any]]:
    """Theme id -> label, keywords and flags, in the given (or active) language."""
    return {
        t.pk: {
            "label": t.label(language),
            "keywords": t.keywords(language),
            "merged_into": t.merged_into_id,
            "active": t.active,
            "pinned": t.pinned,
        }
        for t in Theme.objects.all()
    }


def _num(x: Any, digits: int = 2) -> float | None:
    value = float(x)
    return None if not np.isfinite(value) else round(value, digits)


def irritants(
    *,
    scope: Scope | None = None,
    each_touchpoint: bool = False,
    file: Path | None = None,
    min_mentions: int = 5,
    examples: int = 3,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Themes ranked by NPS points at stake (see :mod:`cxpilot.verbatims.stats`), best first.

    One list for the scope (``touchpoint`` null when it spans every touchpoint), or, with
    ``each_touchpoint``, one ranking per touchpoint (rows ordered by touchpoint, then impact).
    Themes with fewer than ``min_mentions`` mentions are left out.
    """
    scope = scope or Scope()
    if min_mentions < 1:
        raise ValidationError("--min-mentions must be at least 1", where="--min-mentions")
    with _tables(file) as (responses, analysis, themes):
        labels = _file_labels if file is not None and _file_labels else theme_labels(language)
        r = _scoped(responses, analysis, scope)
        keys = ["touchpoint"] if each_touchpoint else []
        totals = r.group_by(keys).aggregate(**_counts(r)) if keys else r.aggregate(**_counts(r))
        totals_df = totals.to_pandas()
        m = r.inner_join(themes, ["source", "response_id"])
        by = [*keys, "theme_id"]
        mentions = m.group_by(by).aggregate(**_counts(m)).to_pandas()
        if mentions.empty:
            return []
        frame = (
            mentions.merge(totals_df, on=keys, suffixes=("", "_total"))
            if keys
            else mentions.assign(
                n_total=int(totals_df["n"].iloc[0]),
                promoters_total=int(totals_df["promoters"].iloc[0]),
                detractors_total=int(totals_df["detractors"].iloc[0]),
            )
        )
        frame = frame[frame["n"] >= min_mentions]
        if frame.empty:
            return []
        frame = _with_impact(frame)
        frame = frame.sort_values(
            [*keys, "impact", "theme_id"], ascending=[*[True] * len(keys), False, True]
        )
        shown = _examples(m, frame, keys, examples, _label_phrases(labels)) if examples else {}
    rows = []
    for rec in frame.to_dict("records"):
        tid = int(rec["theme_id"])
        info = labels.get(tid, {"label": f"#{tid}", "keywords": []})
        tp = rec.get("touchpoint") if keys else (scope.touchpoint or None)
        rows.append(
            {
                "theme": info["label"],
                "theme_id": tid,
                "keywords": info["keywords"],
                "touchpoint": tp,
                "mentions": int(rec["n"]),
                "share": _num(rec["share"], 4),
                **_impact_fields(rec),
                "examples": shown.get((tp if keys else None, tid), []),
            }
        )
    return rows


def _impact_fields(rec: Mapping[str, Any]) -> dict[str, float | None]:
    """NPS with / without a theme, its impact and the interval, rounded for the rows."""
    rounding = {"nps_with": 1, "nps_without": 1, "impact": 2, "ci_low": 2, "ci_high": 2}
    return {key: _num(rec[key], digits) for key, digits in rounding.items()}


#: Candidates read per example shown, so that repeated texts can be skipped.
EXAMPLE_POOL = 5


def _label_phrases(labels: Mapping[int, Mapping[str, Any]]) -> dict[int, list[str]]:
    """Theme id -> the folded phrases of its labels, in both languages where stored
    ("livraison · retard" and "delivery · late": livraison, retard, delivery, late)."""
    both = {t.pk: (t.label_fr, t.label_en) for t in Theme.objects.all()}
    out: dict[int, list[str]] = {}
    for tid, info in labels.items():
        names = both.get(tid, ()) or (info.get("label", ""),)
        phrases = {fold(p).strip() for name in names for p in str(name).split("·")}
        out[tid] = sorted(p for p in phrases if p)
    return out


def _says(text: str, phrase: str) -> bool:
    """Whether folded ``text`` holds ``phrase`` as whole words."""
    at = text.find(phrase)
    while at >= 0:
        end = at + len(phrase)
        if (at == 0 or not text[at - 1].isalnum()) and (
            end == len(text) or not text[end].isalnum()
        ):
            return True
        at = text.find(phrase, at + 1)
    return False


def _examples(
    m: Any,
    frame: pd.DataFrame,
    keys: list[str],
    limit: int,
    phrases: Mapping[int, Sequence[str]] | None = None,
) -> dict[Any, list[str]]:
    """Up to ``limit`` distinct verbatims per (touchpoint, theme): those that say the theme's
    label in so many words first ("livraison", "late delivery"), then detractors first, newest
    first; a text that says the same as one already picked (case, spaces and final punctuation
    aside) is skipped."""
    wanted = frame[[*keys, "theme_id"]]
    w = ibis.memtable(wanted)
    t = (
        m.inner_join(w, [*keys, "theme_id"])
        if keys
        else m.filter(m.theme_id.isin([int(x) for x in wanted["theme_id"]]))
    )
    order = ibis.row_number().over(
        group_by=[*[t[k] for k in keys], t.theme_id],
        order_by=[t.score.asc(), t.timestamp.desc(), t.response_id],
    )
    # more than asked for, so that repeated texts can be skipped and still fill the list
    picked = t.mutate(rank=order).filter(lambda x: x["rank"] < limit * EXAMPLE_POOL)
    df = picked.select(*keys, "theme_id", "verbatim", "rank").to_pandas()
    phrases = phrases or {}

    def says(rec: Mapping[str, Any]) -> int:
        folded = fold(str(rec["verbatim"]))
        return -sum(_says(folded, p) for p in phrases.get(int(rec["theme_id"]), ()))

    records = df.to_dict("records")
    records.sort(key=lambda rec: (says(rec), rec["rank"]))
    out: dict[Any, list[str]] = {}
    seen: dict[Any, set[str]] = {}
    for rec in records:
        tp = rec["touchpoint"] if keys else None
        key = (tp, int(rec["theme_id"]))
        text = str(rec["verbatim"])
        same = " ".join(text.casefold().split()).rstrip(".!?… ")
        shown = out.setdefault(key, [])
        if len(shown) < limit and same not in seen.setdefault(key, set()):
            seen[key].add(same)
            shown.append(text)
    if not keys:
        return {(None, k[1]): v for k, v in out.items()}
    return out


def irritant_trend(
    *, scope: Scope | None = None, theme_ids: Sequence[int] = (), file: Path | None = None
) -> list[dict[str, Any]]:
    """Per month and theme: mentions, NPS with / without and the impact with its interval."""
    scope = scope or Scope()
    with _tables(file) as (responses, analysis, themes):
        r = _scoped(responses, analysis, scope)
        r = r.mutate(month=r.timestamp.strftime("%Y-%m"))
        totals = r.group_by("month").aggregate(**_counts(r)).to_pandas()
        m = r.inner_join(themes, ["source", "response_id"])
        if theme_ids:
            m = m.filter(m.theme_id.isin([int(t) for t in theme_ids]))
        mentions = m.group_by(["month", "theme_id"]).aggregate(**_counts(m)).to_pandas()
    if mentions.empty:
        return []
    frame = mentions.merge(totals, on="month", suffixes=("", "_total"))
    frame = _with_impact(frame).sort_values(["theme_id", "month"])
    return [
        {
            "month": rec["month"],
            "theme_id": int(rec["theme_id"]),
            "mentions": int(rec["n"]),
            "answers": int(rec["n_total"]),
            **_impact_fields(rec),
        }
        for rec in frame.to_dict("records")
    ]


def theme_summary(*, scope: Scope | None = None) -> list[dict[str, Any]]:
    """Every theme with its mentions (all metrics) and the share of negative mentions."""
    scope = scope or Scope()
    labels = theme_labels()
    with _tables() as (responses, analysis, themes):
        r = _where(responses, scope)
        m = r.select("source", "response_id").inner_join(themes, ["source", "response_id"])
        df = (
            m.group_by("theme_id")
            .aggregate(
                mentions=m.count(),
                negative=(m.sentiment < 0).ifelse(1, 0).sum(),
                positive=(m.sentiment > 0).ifelse(1, 0).sum(),
            )
            .to_pandas()
        )
    counts = {int(rec["theme_id"]): rec for rec in df.to_dict("records")}
    out = []
    for theme in Theme.objects.select_related("merged_into").order_by("pk"):
        rec = counts.get(theme.pk, {})
        n = int(rec.get("mentions", 0))
        out.append(
            {
                "theme": theme,
                "id": theme.pk,
                "label": labels[theme.pk]["label"],
                "keywords": labels[theme.pk]["keywords"],
                "mentions": n,
                "negative": round(100 * int(rec.get("negative", 0)) / n, 1) if n else None,
                "positive": round(100 * int(rec.get("positive", 0)) / n, 1) if n else None,
            }
        )
    return out


def sentiment_by_touchpoint(
    *, scope: Scope | None = None, touchpoints: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Per touchpoint, the sentiment of its analysed verbatims (every metric): ``n`` (the
    verbatims), ``mean_polarity`` (−1…1), ``negative_share`` and ``positive_share`` (0–1, of
    the verbatims whose sentiment is −1 or +1). ``touchpoints`` limits the touchpoints (all
    when empty); the scope's touchpoint and period apply. One grouping in the engine."""
    scope = scope or Scope()
    with _tables() as (responses, analysis, _themes):
        r = _where(responses.filter(responses.verbatim.notnull()), scope)
        if touchpoints:
            r = r.filter(r.touchpoint.isin(list(touchpoints)))
        a = analysis.select("source", "response_id", "polarity", "sentiment")
        m = r.select("source", "response_id", "touchpoint").inner_join(a, ["source", "response_id"])
        if scope.language:
            detected = analysis.select("source", "response_id", detected=analysis.language)
            m = m.inner_join(detected, ["source", "response_id"]).filter(
                lambda t: t.detected == scope.language
            )
        rows = (
            m.group_by("touchpoint")
            .aggregate(
                n=m.count(),
                mean_polarity=m.polarity.mean(),
                negative=(m.sentiment < 0).ifelse(1, 0).sum(),
                positive=(m.sentiment > 0).ifelse(1, 0).sum(),
            )
            .to_pyarrow()
            .to_pylist()
        )
    return {
        str(rec["touchpoint"]): {
            "n": int(rec["n"]),
            "mean_polarity": _num(rec["mean_polarity"], 3),
            "negative_share": round(int(rec["negative"]) / int(rec["n"]), 4),
            "positive_share": round(int(rec["positive"]) / int(rec["n"]), 4),
        }
        for rec in rows
        if rec["touchpoint"] is not None and int(rec["n"])
    }


def verbatim_search(
    *,
    query: str = "",
    theme_id: int | None = None,
    scope: Scope | None = None,
    sentiment: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Verbatims matching a text search (case and accents ignored) and filters, newest first,
    with their themes; and how many match in all."""
    scope = scope or Scope()
    query = " ".join(str(query).split())[:200]
    with _tables() as (responses, analysis, themes):
        r = _where(responses.filter(responses.verbatim.notnull()), scope)
        a = analysis.select(
            "source",
            "response_id",
            detected=analysis.language,
            polarity=analysis.polarity,
            sentiment=analysis.sentiment,
        )
        r = r.left_join(a, ["source", "response_id"]).select(r, a.detected, a.polarity, a.sentiment)
        if scope.language:
            r = r.filter(r.detected == scope.language)
        if sentiment is not None:
            r = r.filter(r.sentiment == int(sentiment))
        if theme_id is not None:
            ids = themes.filter(themes.theme_id == int(theme_id)).select("source", "response_id")
            r = r.semi_join(ids, ["source", "response_id"])
        if query:
            needle = fold(query)
            folded = r.verbatim.lower()
            # accents are folded in Python on the page; the engine matches either spelling
            r = r.filter(folded.contains(query.lower()) | _ascii_fold(folded).contains(needle))
        total = int(r.count().to_pyarrow().as_py())
        page = (
            r.order_by([r.timestamp.desc(), r.response_id])
            .limit(max(1, min(limit, 500)), offset=max(0, offset))
            .select(
                "source",
                "response_id",
                "timestamp",
                "touchpoint",
                "metric",
                "score",
                "verbatim",
                "detected",
                "sentiment",
                "polarity",
            )
            .to_pandas()
        )
        keys = list(zip(page["source"], page["response_id"], strict=True))
        found: dict[tuple[str, str], list[int]] = {}
        if keys:
            ids = ibis.memtable(pd.DataFrame(keys, columns=["source", "response_id"]))
            tm = themes.inner_join(ids, ["source", "response_id"]).to_pandas()
            for rec in tm.to_dict("records"):
                found.setdefault((rec["source"], rec["response_id"]), []).append(
                    int(rec["theme_id"])
                )
    labels = theme_labels()
    rows = []
    for rec in page.to_dict("records"):
        tids = found.get((rec["source"], rec["response_id"]), [])
        rows.append(
            {
                **rec,
                "timestamp": periods.utc(rec["timestamp"].to_pydatetime()),
                "themes": [(t, labels.get(t, {}).get("label", f"#{t}")) for t in sorted(tids)],
            }
        )
    return rows, total


def _ascii_fold(expr: Any) -> Any:
    """Remove the common Latin accents in the engine (both DuckDB and PostgreSQL)."""
    out = expr
    for a, b in zip("àâäáãåçéèêëíìîïñóòôöõúùûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy", strict=True):
        out = out.replace(a, b)
    return out


#: When the warehouse's row counts were last read, by warehouse, and what they were.
_rows_read: dict[str, tuple[float, tuple[int, ...]]] = {}
ROWS_SECONDS = 1.0


def data_version() -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """A fingerprint of what the verbatim analytics are computed from, cheap to read: it
    changes whenever a result may. Two parts: the warehouse, the text model (fit, analysis,
    taxonomy edits) and the themes (count, last change); then the rows of answers and
    analyses in the warehouse, which grow with live collection (read at most once a
    second)."""
    from cxpilot.warehouse.connection import warehouse

    current = TextModel.current()
    themes = Theme.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    url = str(settings.CXPILOT_WAREHOUSE_URL)  # type: ignore[misc]
    read = _rows_read.get(url)
    if read is not None and time.monotonic() - read[0] < ROWS_SECONDS:
        rows = read[1]  # the drifting part: read at most once a second
    else:
        with warehouse() as con:
            tables = set(con.list_tables())
            rows = tuple(
                int(con.table(name).count().execute()) if name in tables else 0
                for name in ("responses", "verbatim_analysis", "verbatim_themes")
            )
        _rows_read[url] = (time.monotonic(), rows)
    model = (
        (current.pk, current.fitted_at, current.analysed_at, current.taxonomy_changed_at)
        if current
        else None
    )
    return (url, model, themes["n"], themes["at"]), rows


def model_state() -> dict[str, Any]:
    current = TextModel.current()
    return {
        "fitted": current is not None and bool(current.idf),
        "fitted_at": current.fitted_at if current else None,
        "analysed_at": current.analysed_at if current else None,
        "documents": current.documents if current else 0,
        "stale": bool(current and current.stale),
        # how the stored sentiment was made ("model" is "" for a fit made before its
        # cross-validation was recorded, None before any fit)
        "sentiment": (
            current.sentiment_report() if current is not None and current.sentiment else None
        ),
    }


def drivers(
    *,
    outcome: str = "nps",
    scope: Scope | None = None,
    method: str = "both",
    max_themes: int = 12,
    min_mentions: int = 30,
) -> dict[str, Any]:
    """Which themes explain the outcome score (NPS 0–10, CSAT or CES) of the answers with a
    verbatim: each theme is a 0/1 predictor (the verbatim mentions it); importance by LMG
    (Shapley values of R²) and Johnson's relative weights, each with its share of R².
    Performance (for the importance × performance quadrant) is the mean outcome, rescaled
    0–100, of the answers mentioning the theme."""
    from cxpilot.analytics import drivers as drv
    from cxpilot.warehouse.schema import METRIC_RANGES

    if outcome not in METRIC_RANGES:
        raise ValidationError(
            f"unknown outcome {outcome!r}; use nps, csat or ces", where="--outcome"
        )
    if method not in ("both", "lmg", "relative_weights"):
        raise ValidationError("method is both, lmg or relative_weights", where="--method")
    if not 2 <= max_themes <= drv.MAX_LMG_PREDICTORS:
        raise ValidationError(
            f"--max-themes must be from 2 to {drv.MAX_LMG_PREDICTORS}", where="--max-themes"
        )
    scope = scope or Scope()
    labels = theme_labels()
    with _tables() as (responses, analysis, themes):
        r = _scoped(responses, analysis, scope, metric=outcome)
        r = r.filter(r.detected.notnull()).select("source", "response_id", "score")
        m = r.inner_join(themes, ["source", "response_id"])
        top = (
            m.group_by("theme_id")
            .aggregate(n=m.count())
            .filter(lambda t: t.n >= min_mentions)
            .order_by([ibis.desc("n"), "theme_id"])
            .limit(max_themes)
            .to_pandas()
        )
        ids = [int(t) for t in top["theme_id"]]
        if len(ids) < 2:
            raise ValidationError(
                f"fewer than two themes have {min_mentions} mentions in this scope", where="scope"
            )
        answers = r.to_pandas()
        pairs = (
            m.filter(m.theme_id.isin(ids)).select("source", "response_id", "theme_id").to_pandas()
        )
    low, high = METRIC_RANGES[outcome]
    index = {
        k: i for i, k in enumerate(zip(answers["source"], answers["response_id"], strict=True))
    }
    x = np.zeros((len(answers), len(ids)))
    col = {t: j for j, t in enumerate(ids)}
    for s, rid, t in zip(pairs["source"], pairs["response_id"], pairs["theme_id"], strict=True):
        x[index[(s, rid)], col[int(t)]] = 1.0
    y = answers["score"].to_numpy(dtype=float)
    names = [labels.get(t, {}).get("label", f"#{t}") for t in ids]
    out: dict[str, Any] = {"outcome": outcome, "n": int(len(y)), "predictors": []}
    try:
        lmg = drv.lmg(x, y, names) if method in ("both", "lmg") else None
        rw = drv.relative_weights(x, y, names) if method in ("both", "relative_weights") else None
    except ValueError as exc:  # e.g. every answer names exactly one of the themes
        raise ValidationError(
            f"cannot separate the themes' effects: {exc}", where="drivers"
        ) from None
    out["r_squared"] = round(float(drv.r_squared(x, y)), 4)
    for j, t in enumerate(ids):
        mentioned = x[:, j] == 1
        perf = 100 * (y[mentioned].mean() - low) / (high - low)
        row: dict[str, Any] = {
            "theme": names[j],
            "theme_id": t,
            "mentions": int(mentioned.sum()),
            "performance": round(float(perf), 1),
        }
        if lmg is not None:
            row["lmg"] = round(lmg[j].importance, 4)
            row["lmg_share"] = round(lmg[j].share, 1)
        if rw is not None:
            row["relative_weight"] = round(rw[j].importance, 4)
            row["relative_weight_share"] = round(rw[j].share, 1)
        out["predictors"].append(row)
    key = "lmg_share" if lmg is not None else "relative_weight_share"
    out["predictors"].sort(key=lambda p: -p[key])
    mean_share = 100 / len(ids)
    mean_perf = float(np.mean([p["performance"] for p in out["predictors"]]))
    for p in out["predictors"]:
        high_imp = p[key] >= mean_share
        high_perf = p["performance"] >= mean_perf
        p["quadrant"] = (
            "maintain"
            if high_imp and high_perf
            else "fix_first"
            if high_imp
            else "secondary"
            if not high_perf
            else "keep_watch"
        )
    return out


# ------------------------------------------------------------------------ scoring a file

SCORING_MODELS = ("shipped", "fitted")
_LABEL_WORDS = {-1: "negative", 0: "neutral", 1: "positive"}
_NOT_TEXT = r"^\s*([-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?|true|false|True|False)\s*$"


def scoring_model(name: str | None = None) -> tuple[str, Any]:
    """("shipped" or "fitted", the sentiment model) for ``name``: "shipped" is the lexicon,
    "fitted" the stored fitted model (an error says how to fit one when there is none);
    None: the fitted model if there is one, else the lexicon."""
    from cxpilot.verbatims import sentiment as senti

    wanted = None if name is None else str(name).strip().lower()
    if wanted is not None and wanted not in SCORING_MODELS:
        raise ValidationError(
            f"unknown model {str(name)[:40]!r}; use shipped (the lexicon) or fitted (the "
            "model fitted on your verbatims)",
            where="--model",
        )
    if wanted == "shipped":
        return "shipped", senti.SentimentModel.lexicon_only()
    current = TextModel.current()
    stored = (
        senti.SentimentModel.from_bytes(bytes(current.sentiment))
        if current is not None and current.sentiment
        else None
    )
    if stored is not None and stored.fitted:
        return "fitted", stored
    if wanted is None:
        return "shipped", senti.SentimentModel.lexicon_only()
    if current is not None and current.sentiment_reason:
        raise ValidationError(
            "no fitted sentiment model: the last `cxpilot themes discover` fell back to the "
            f"shipped lexicon ({current.sentiment_reason}); use --model shipped, or run "
            "`cxpilot themes discover` again once more rated verbatims are stored",
            where="--model",
        )
    raise ValidationError(
        "no fitted sentiment model yet: fit one on the stored verbatims and their scores with "
        "`cxpilot themes discover`, or use --model shipped",
        where="--model",
    )


def _file_column(raw: Any, name: str, option: str) -> str:
    """The file's column ``name`` (exact, else ignoring case), or an error listing them."""
    if name in raw.columns:
        return str(name)
    by_lower = {c.lower(): c for c in raw.columns}
    found = by_lower.get(name.strip().lower())
    if found is None:
        raise ValidationError(
            f"no column {name!r} (the file has: {', '.join(raw.columns)}); name the column "
            f"with {option}",
            where=raw.path,
        )
    return str(found)


def _text_column(raw: Any, path: Path, column: str, option: str) -> pa.Array:
    """The column's values; an error when it holds no text (numbers, booleans, or any
    Parquet type other than text) or a NUL character."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    values = raw.columns[column]
    kind = ""
    if path.suffix.lower() in (".parquet", ".pq"):
        field = pq.read_schema(path).field(column)
        typ = field.type
        if pa.types.is_dictionary(typ):
            typ = typ.value_type
        if not (pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_null(typ)):
            kind = f"holds {typ} values"
    if not kind and path.suffix.lower() in (".jsonl", ".ndjson"):
        _json_texts_only(path, column, raw)
    if not kind:
        present = pc.drop_null(values)
        present = present.filter(pc.invert(pc.equal(pc.utf8_trim_whitespace(present), "")))
        if len(present) and pc.all(pc.match_substring_regex(present, _NOT_TEXT)).as_py():
            kind = "holds only numbers or true/false"
    if kind:
        raise ValidationError(
            f"column {column!r} {kind}, not text; name the column of the texts with {option}",
            where=raw.path,
        )
    nul = pc.fill_null(pc.match_substring(values, "\x00"), False).to_numpy(zero_copy_only=False)
    if nul.any():
        raise ValidationError(
            "contains a NUL character (U+0000), which no text holds: is this the right file?",
            where=raw.where(int(np.flatnonzero(nul)[0]), column),
        )
    return values


def _json_texts_only(path: Path, column: str, raw: Any) -> None:
    """An error naming the line of the first JSON Lines value of ``column`` that is not a
    string (true, 42, an object or a list would be scored as the text of their JSON)."""
    import json

    from cxpilot.kernel.textfiles import read_text

    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        value = json.loads(line).get(column)
        if value is not None and not isinstance(value, str):
            kind = "true/false" if isinstance(value, bool) else type(value).__name__
            kind = {"int": "a number", "float": "a number", "dict": "an object"}.get(kind, kind)
            kind = "a list" if kind == "list" else kind
            raise ValidationError(
                f"{kind}, not a text: the texts to score must be JSON strings",
                where=f"{raw.path}:line {number}:{column}",
            )


def file_sentiment(
    *,
    path: Path,
    column: str = "text",
    language_column: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """Sentiment of each row of a CSV, Parquet or JSON Lines file, in order, stored nowhere.

    Returns ``{"model": "shipped" | "fitted", "rows": [{row, language, label, score}]}``:
    ``row`` is the line the row starts on (CSV, JSON Lines) or its number (Parquet);
    ``language`` fr, en or other, from ``language_column`` or else detected; ``label``
    negative, neutral or positive; ``score`` −1…1. An empty text is neutral with score 0.
    The file is read as imports read it (``cxpilot.warehouse.files``); errors name the file,
    line and column."""
    from cxpilot.kernel import language as lang_detect
    from cxpilot.verbatims import sentiment as senti
    from cxpilot.warehouse.selectors import file_read

    used, scorer = scoring_model(model)
    path = Path(path)
    raw = file_read(path=path)
    name = _file_column(raw, column, "--column")
    texts = _text_column(raw, path, name, "--column").to_pylist()
    given: list[str | None] = [None] * len(texts)
    if language_column:
        lang_name = _file_column(raw, language_column, "--language-column")
        given = _text_column(raw, path, lang_name, "--language-column").to_pylist()
    languages = [senti.language_key(g) if isinstance(g, str) and g.strip() else None for g in given]
    todo = [i for i, g in enumerate(languages) if g is None]
    if todo:
        found = lang_detect.detect([texts[i] for i in todo])
        for i, lang in zip(todo, found, strict=True):
            languages[i] = lang or "other"
    labels, scores = scorer.predict(texts, languages)
    rows = [
        {"row": int(line), "language": lang, "label": _LABEL_WORDS[int(lab)], "score": sc}
        for line, lang, lab, sc in zip(
            raw.lines.tolist(),
            languages,
            labels.tolist(),
            np.round(scores, 4).tolist(),
            strict=True,
        )
    ]
    return {"model": used, "rows": rows}
