"""Writes of verbatim analytics: discover themes, edit the taxonomy, analyse the verbatims.

The taxonomy and the fitted model live in the app database (:mod:`cxpilot.verbatims.models`); the
per-verbatim results live in two derived warehouse tables, rebuilt or extended by
:func:`verbatims_analyse`:

* ``verbatim_analysis`` — one row per analysed answer: ``source, response_id, language``
  (detected), ``sentiment`` (−1/0/+1), ``polarity`` (−1…1), ``analysed_at``;
* ``verbatim_themes`` — one row per theme mention: ``source, response_id, theme_id, score``
  (similarity 0–1, 1 for a keyword rule), ``sentiment``, ``polarity`` of that mention.

The sentiment model is cross-fitted (:meth:`cxpilot.verbatims.sentiment.SentimentModel.cross_fit`):
the stored sentiment of an answer the model was fitted on comes from the model fitted without
its fold, never from one that saw it; answers added later get the model fitted on all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
from django.db import transaction
from django.utils import timezone

from cxpilot.kernel import language as lang_detect
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.verbatims.models import TextModel, Theme, ThemeOrigin, ThemeRule
from cxpilot.verbatims.normalise import Featuriser, fold, tokens
from cxpilot.verbatims.themes import (
    ThemeSpec,
    Vocabulary,
    clause_units,
    compile_rule,
    discover,
    reconcile,
)
from cxpilot.warehouse.connection import Transaction, warehouse

__all__ = [
    "DERIVED",
    "theme_merge",
    "theme_pin",
    "theme_rename",
    "theme_rule_add",
    "theme_rule_delete",
    "theme_split",
    "theme_unmerge",
    "themes_discover",
    "verbatims_analyse",
    "verbatims_erase",
]

DERIVED: dict[str, ibis.Schema] = {
    "verbatim_analysis": ibis.schema(
        {
            "source": "string",
            "response_id": "string",
            "language": "string",
            "sentiment": "int64",
            "polarity": "float64",
            "analysed_at": "timestamp",
        }
    ),
    "verbatim_themes": ibis.schema(
        {
            "source": "string",
            "response_id": "string",
            "theme_id": "int64",
            "score": "float64",
            "sentiment": "int64",
            "polarity": "float64",
        }
    ),
}
#: Verbatims analysed per batch (bounds memory on big warehouses).
BATCH = 200_000
MAX_THEMES = 60
#: Keyword rules of one theme, at most.
MAX_RULES = 100


def _require(actor: Actor) -> None:
    roles.require(actor, "verbatims.edit_taxonomy")


def ensure_derived(con: Any) -> None:
    existing = set(con.list_tables())
    for name, schema in DERIVED.items():
        if name not in existing:
            con.create_table(name, schema=schema)


def _verbatims(con: Any, *, only_new: bool) -> Any:
    r = con.table("responses")
    t = r.filter(r.verbatim.notnull() & (r.verbatim.strip().length() > 0))
    t = t.select("source", "response_id", "verbatim", "language", "metric", "score")
    if only_new:
        done = con.table("verbatim_analysis").select("source", "response_id")
        t = t.anti_join(done, ["source", "response_id"])
    return t.order_by(["source", "response_id"])


def _labels(metrics: list[Any], scores: list[Any]) -> np.ndarray:
    from cxpilot.verbatims import sentiment as senti

    return np.asarray(senti.labels_from_scores(metrics, scores), dtype=np.int64)


def _keys(sources: Any, ids: Any) -> np.ndarray:
    """The answers' key hashes (their cross-fitting fold) from two columns or lists."""
    from cxpilot.verbatims import sentiment as senti

    def items(values: Any) -> list[Any]:
        return values.to_pylist() if hasattr(values, "to_pylist") else list(values)

    return senti.key_hashes(
        [str(v or "") for v in items(sources)], [str(v or "") for v in items(ids)]
    )


def themes_discover(
    *,
    actor: Actor = None,
    themes: int = 30,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Discover the themes of the stored verbatims and cross-fit the sentiment model.

    New themes are added; a theme found again keeps its id, its name if someone renamed it,
    and its definition if it is pinned; a discovered theme not found again is retired unless
    someone pinned, renamed or gave it rules. Returns counts, and under ``sentiment`` how the
    sentiment model was made (``FitReport.as_dict()``: fitted or the shipped lexicon and why,
    label counts, cross-validated accuracy and macro-F1).
    """
    from cxpilot.verbatims import sentiment as senti

    _require(actor)
    if isinstance(themes, bool) or not isinstance(themes, int) or not 2 <= themes <= MAX_THEMES:
        raise ValidationError(
            f"give between 2 and {MAX_THEMES} themes per language", where="--themes"
        )
    say = progress or (lambda _m: None)
    say("reading verbatims")
    with warehouse() as con:
        ensure_derived(con)
        data = _verbatims(con, only_new=False).to_pyarrow()
    n = data.num_rows
    if n < 50:
        raise ValidationError(
            f"only {n} verbatims are stored; theme discovery needs at least 50", where="responses"
        )
    texts = data["verbatim"].to_pylist()
    say("languages")
    languages = lang_detect.detect(texts, data["language"].to_pylist())
    say("themes")
    featuriser = Featuriser(remember=True)
    units = clause_units(texts, languages, featuriser)
    vocab, found = discover(
        units.docs, units.language, featuriser, themes=themes, seed=seed, texts=units.text
    )
    say("sentiment")
    model = senti.SentimentModel.cross_fit(
        texts,
        languages,
        _labels(data["metric"].to_pylist(), data["score"].to_pylist()),
        _keys(data["source"], data["response_id"]),
    )
    report = (model.report or senti.FitReport()).as_dict()
    counts: dict[str, Any] = {"verbatims": n, "themes": 0, "new": 0, "updated": 0, "retired": 0}
    with transaction.atomic():
        current = TextModel.current() or TextModel()
        current.idf = vocab.idf
        current.documents = n
        current.sentiment = model.to_bytes()
        current.set_sentiment_report(report)
        current.taxonomy_changed_at = timezone.now()
        current.save()
        stored = list(Theme.objects.filter(origin=ThemeOrigin.DISCOVERED).prefetch_related("rules"))
        pairs = reconcile([t.terms for t in stored], [f.terms for f in found])
        matched: set[int] = set()
        for i, theme in enumerate(found):
            j = pairs.get(i)
            fields = {
                "keywords_en": theme.keywords["en"],
                "keywords_fr": theme.keywords["fr"],
                "languages": ",".join(theme.languages),
                "documents": theme.documents,
            }
            if j is None:
                Theme.objects.create(
                    label_en=theme.labels["en"][:200] or "?",
                    label_fr=theme.labels["fr"][:200] or "?",
                    terms=theme.terms,
                    **fields,
                )
                counts["new"] += 1
                continue
            row = stored[j]
            matched.add(row.pk)
            if not row.pinned:
                row.terms = theme.terms
                for key, value in fields.items():
                    setattr(row, key, value)
                if not row.label_edited:
                    row.label_en = theme.labels["en"][:200] or row.label_en
                    row.label_fr = theme.labels["fr"][:200] or row.label_fr
            row.active = True
            row.save()
            counts["updated"] += 1
        for row in stored:
            if row.pk in matched or not row.active:
                continue
            if row.pinned or row.label_edited or row.rules.exists() or row.merged.exists():
                continue
            row.active = False
            row.save(update_fields=["active", "updated_at"])
            counts["retired"] += 1
        counts["themes"] = Theme.objects.filter(active=True, merged_into__isnull=True).count()
    counts["sentiment"] = report
    return counts


def _specs() -> list[ThemeSpec]:
    out = []
    for theme in Theme.objects.filter(active=True).prefetch_related("rules"):
        out.append(
            ThemeSpec(
                id=theme.pk,
                terms=theme.terms or {},
                rules=[r.pattern for r in theme.rules.all()],
                merged_into=theme.merged_into_id,
                split_from=theme.split_from_id,
            )
        )
    return out


_loaded: dict[tuple[int, Any], Any] = {}


def _model(current: TextModel) -> Any:
    """The stored sentiment model (the lexicon alone if none was fitted), unpickled once per
    fit: every flush of live answers uses it."""
    from cxpilot.verbatims import sentiment as senti

    key = (current.pk, current.fitted_at)
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = (
            senti.SentimentModel.from_bytes(bytes(current.sentiment))
            if current.sentiment
            else senti.SentimentModel.lexicon_only()
        )
    return _loaded[key]


def _result_tables(
    sources: Any, ids: Any, result: Any, now: dt.datetime | None
) -> tuple[pa.Table, pa.Table]:
    """The ``verbatim_analysis`` and ``verbatim_themes`` rows of a pipeline result
    (``analysed_at`` left out when ``now`` is None)."""
    columns = {
        "source": sources,
        "response_id": ids,
        "language": pa.array(result.language, pa.string()),
        "sentiment": pa.array(result.sentiment.astype(np.int64)),
        "polarity": pa.array(result.polarity.astype(np.float64)),
    }
    if now is not None:
        columns["analysed_at"] = pa.array([now] * len(sources), pa.timestamp("us"))
    take = pa.array(result.mentions.doc, pa.int64())
    themed = pa.table(
        {
            "source": sources.take(take),
            "response_id": ids.take(take),
            "theme_id": pa.array(result.mentions.theme.astype(np.int64)),
            "score": pa.array(result.mentions.score.astype(np.float64)),
            "sentiment": pa.array(result.mention_sentiment.astype(np.int64)),
            "polarity": pa.array(result.mention_polarity.astype(np.float64)),
        }
    )
    return pa.table(columns), themed


def verbatims_analyse(
    *, full: bool = True, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Detect language, themes and sentiment of the stored verbatims into the warehouse.

    ``full`` rebuilds both derived tables (after the taxonomy changed); otherwise only the
    answers not analysed yet are added.
    """
    from cxpilot.verbatims.pipeline import analyse

    say = progress or (lambda _m: None)
    current = TextModel.current()
    if current is None or not current.idf:
        raise ValidationError(
            "no themes yet: discover them first (`cxpilot themes discover`)", where="themes"
        )
    vocab = Vocabulary(dict(current.idf))
    specs = _specs()
    model = _model(current)
    started = timezone.now()
    now = started.astimezone(dt.UTC).replace(tzinfo=None)
    featuriser = Featuriser()
    analysed = mentions = 0
    with warehouse() as con:
        ensure_derived(con)
        if full:
            for name, schema in DERIVED.items():
                # dropped, then created: Spark's Ibis backend cannot overwrite a table with
                # an empty one
                con.drop_table(name, force=True)
                con.create_table(name, schema=schema)
        reader = _verbatims(con, only_new=not full).to_pyarrow_batches(chunk_size=BATCH)
        for batch in reader:
            if batch.num_rows == 0:
                continue
            say(f"{analysed + batch.num_rows:,} verbatims")
            result = analyse(
                batch.column("verbatim").to_pylist(),
                batch.column("language").to_pylist(),
                vocab=vocab,
                themes=specs,
                model=model,
                threshold=current.threshold,
                featuriser=featuriser,
                keys=_keys(batch.column("source"), batch.column("response_id")),
            )
            rows, themed = _result_tables(
                batch.column("source"), batch.column("response_id"), result, now
            )
            con.insert("verbatim_analysis", ibis.memtable(rows))
            if themed.num_rows:
                con.insert("verbatim_themes", ibis.memtable(themed))
            analysed += batch.num_rows
            mentions += themed.num_rows
    TextModel.objects.filter(pk=current.pk).update(analysed_at=started)
    return {"analysed": analysed, "mentions": mentions, "themes": len(specs)}


def model_warm() -> None:
    """Load the analysis of live answers (its modules and the stored model) now: a server
    does it before it serves, so that the first flush under load does not."""
    from cxpilot.verbatims import pipeline  # noqa: F401 - imported for its modules

    current = TextModel.current()
    if current is not None and current.idf:
        _model(current)


def verbatims_analyse_records(*, records: list[dict[str, Any]]) -> int:
    """Analyse answers just collected (hosted page, widget, API) with the stored model.

    Called when the inbox is flushed; does nothing before themes were discovered. Answers
    already analysed are skipped, so a repeated flush adds nothing. Answers the sentiment
    model was fitted on keep their out-of-fold sentiment; new ones get the model fitted on all.
    """
    from cxpilot.verbatims.pipeline import analyse

    current = TextModel.current()
    rows = [r for r in records if str(r.get("verbatim") or "").strip()]
    if current is None or not current.idf or not rows:
        return 0
    model = _model(current)
    with warehouse() as con:
        ensure_derived(con)
        done = con.table("verbatim_analysis")
        keys = ibis.memtable(
            pa.table(
                {
                    "source": [str(r.get("source") or "") for r in rows],
                    "response_id": [str(r.get("response_id") or "") for r in rows],
                }
            )
        )
        seen = keys.semi_join(done, ["source", "response_id"]).to_pyarrow()
        skip = set(zip(seen["source"].to_pylist(), seen["response_id"].to_pylist(), strict=True))
        rows = [r for r in rows if (str(r.get("source")), str(r.get("response_id"))) not in skip]
        if not rows:
            return 0
        result = analyse(
            [str(r["verbatim"]) for r in rows],
            [r.get("language") for r in rows],
            vocab=Vocabulary(dict(current.idf)),
            themes=_specs(),
            model=model,
            threshold=current.threshold,
            keys=_keys([r.get("source") for r in rows], [r.get("response_id") for r in rows]),
        )
        now = timezone.now().astimezone(dt.UTC).replace(tzinfo=None)
        table, themed = _result_tables(
            pa.array([str(r["source"]) for r in rows], pa.string()),
            pa.array([str(r["response_id"]) for r in rows], pa.string()),
            result,
            now,
        )
        con.insert("verbatim_analysis", ibis.memtable(table))
        if themed.num_rows:
            con.insert("verbatim_themes", ibis.memtable(themed))
    return len(rows)


# ----------------------------------------------------------------------------- taxonomy edits


def _theme(pk: int) -> Theme:
    found = Theme.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no theme {pk}", where="theme")
    return found


def _changed() -> None:
    TextModel.objects.update(taxonomy_changed_at=timezone.now())


def _label(value: Any, where: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError("a theme needs a label", where=where)
    if len(text) > 200:
        raise ValidationError("a label has at most 200 characters", where=where)
    if any(not c.isprintable() for c in text):
        raise ValidationError(
            "a label is one line of text: no line break, tab or control character", where=where
        )
    return text


def _patterns(raw: Any, where: str) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw or "").replace("\n", ",").split(",")
    out = []
    for item in items:
        pattern = " ".join(str(item).split())
        if not pattern:
            continue
        if len(pattern) > 200:
            raise ValidationError("a keyword rule has at most 200 characters", where=where)
        try:
            compile_rule(pattern)
        except ValueError as exc:
            raise ValidationError(str(exc), where=where) from None
        out.append(pattern)
    if len(out) > MAX_RULES:
        raise ValidationError(f"at most {MAX_RULES} keyword rules at a time", where=where)
    return out


@transaction.atomic
def theme_rename(*, actor: Actor, pk: int, label_en: str, label_fr: str) -> Theme:
    _require(actor)
    theme = _theme(pk)
    theme.label_en = _label(label_en, "label_en")
    theme.label_fr = _label(label_fr, "label_fr")
    theme.label_edited = True
    theme.save()
    return theme


@transaction.atomic
def theme_pin(*, actor: Actor, pk: int, pinned: bool) -> Theme:
    _require(actor)
    theme = _theme(pk)
    theme.pinned = bool(pinned)
    theme.save(update_fields=["pinned", "updated_at"])
    return theme


@transaction.atomic
def theme_merge(*, actor: Actor, pk: int, into: int) -> Theme:
    """Count ``pk``'s verbatims for ``into`` from the next analysis on."""
    _require(actor)
    theme, target = _theme(pk), _theme(into)
    if theme.pk == target.pk:
        raise ValidationError("a theme cannot be merged into itself", where="into")
    seen = {theme.pk}
    walk: Theme | None = target
    while walk is not None:
        if walk.pk in seen:
            raise ValidationError("that merge would make a loop", where="into")
        seen.add(walk.pk)
        walk = walk.merged_into
    if not target.active:
        raise ValidationError("the target theme is retired", where="into")
    theme.merged_into = target
    theme.save(update_fields=["merged_into", "updated_at"])
    _changed()
    return theme


@transaction.atomic
def theme_unmerge(*, actor: Actor, pk: int) -> Theme:
    _require(actor)
    theme = _theme(pk)
    theme.merged_into = None
    theme.save(update_fields=["merged_into", "updated_at"])
    _changed()
    return theme


@transaction.atomic
def theme_split(*, actor: Actor, pk: int, label_en: str, label_fr: str, keywords: Any) -> Theme:
    """A new theme taking, among ``pk``'s verbatims, those that match ``keywords``."""
    _require(actor)
    parent = _theme(pk)
    patterns = _patterns(keywords, "keywords")
    if not patterns:
        raise ValidationError("give the key words of the new theme", where="keywords")
    child = Theme.objects.create(
        label_en=_label(label_en, "label_en"),
        label_fr=_label(label_fr, "label_fr"),
        keywords_en=patterns,
        keywords_fr=patterns,
        languages=parent.languages,
        origin=ThemeOrigin.SPLIT,
        split_from=parent,
        label_edited=True,
        pinned=True,
    )
    ThemeRule.objects.bulk_create([ThemeRule(theme=child, pattern=p) for p in patterns])
    _changed()
    return child


@transaction.atomic
def theme_rule_add(*, actor: Actor, pk: int, pattern: str) -> list[ThemeRule]:
    _require(actor)
    theme = _theme(pk)
    patterns = _patterns(pattern, "pattern")
    if not patterns:
        raise ValidationError("give at least one key word", where="pattern")
    if theme.rules.count() + len(patterns) > MAX_RULES:
        raise ValidationError(
            f"a theme has at most {MAX_RULES} keyword rules; delete some first", where="pattern"
        )
    made = ThemeRule.objects.bulk_create([ThemeRule(theme=theme, pattern=p) for p in patterns])
    _changed()
    return made


@transaction.atomic
def theme_rule_delete(*, actor: Actor, pk: int) -> None:
    _require(actor)
    rule = ThemeRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(f"no keyword rule {pk}", where="rule")
    rule.delete()
    _changed()


def analyse_file(*, con: Any, path: Any) -> dict[int, dict[str, Any]]:
    """Analyse a responses file into the (in-memory) backend ``con``: tables ``responses``,
    ``verbatim_analysis`` and ``verbatim_themes``. With a stored taxonomy its themes are used
    (and an empty mapping returned); without one, themes are discovered in the file itself and
    their labels returned (id -> label, keywords). Nothing is stored."""
    from django.utils.translation import get_language

    from cxpilot.verbatims import sentiment as senti
    from cxpilot.verbatims.pipeline import analyse
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(table="responses", path=path)
    checked.raise_if_bad(analysing=True)
    data = checked.data
    data = data.append_column("imported_at", pa.nulls(data.num_rows, pa.timestamp("us")))
    con.create_table("responses", data)
    has_text = [bool(t and t.strip()) for t in data["verbatim"].to_pylist()]
    rows = data.filter(pa.array(has_text))
    texts = rows["verbatim"].to_pylist()
    declared = rows["language"].to_pylist()
    labels: dict[int, dict[str, Any]] = {}
    current = TextModel.current()
    if current is not None and current.idf:
        vocab = Vocabulary(dict(current.idf))
        specs = _specs()
        model = _model(current)
        threshold = current.threshold
    else:
        if len(texts) < 50:
            raise ValidationError(
                f"the file has {len(texts)} verbatims and no themes are stored; theme "
                "discovery needs at least 50",
                where=str(path),
            )
        languages = lang_detect.detect(texts, declared)
        featuriser = Featuriser(remember=True)
        units = clause_units(texts, languages, featuriser)
        vocab, found = discover(units.docs, units.language, featuriser, texts=units.text)
        specs = [ThemeSpec(id=i + 1, terms=t.terms) for i, t in enumerate(found)]
        lang = (get_language() or "en")[:2]
        lang = lang if lang in ("fr", "en") else "en"
        labels = {
            i + 1: {"label": t.labels[lang], "keywords": t.keywords[lang], "active": True}
            for i, t in enumerate(found)
        }
        model = senti.SentimentModel.cross_fit(
            texts,
            languages,
            _labels(rows["metric"].to_pylist(), rows["score"].to_pylist()),
            _keys(rows["source"], rows["response_id"]),
        )
        threshold = None
    result = analyse(
        texts,
        declared,
        vocab=vocab,
        themes=specs,
        model=model,
        threshold=threshold,
        keys=_keys(rows["source"], rows["response_id"]),
    )
    table, themed = _result_tables(
        rows["source"].combine_chunks(), rows["response_id"].combine_chunks(), result, None
    )
    con.create_table("verbatim_analysis", table)
    con.create_table("verbatim_themes", themed)
    return labels


# ------------------------------------------------------------------------------ erasure


def verbatims_erase(
    *, tx: Transaction, records: Sequence[tuple[str, str]], words: Iterable[str] = ()
) -> dict[str, int]:
    """Delete what verbatim analytics keep of the answers of the customer ``records``
    (``(source, customer_id)``), in the warehouse transaction ``tx`` and the caller's
    app-database transaction (which must be open). Run it before the answers themselves go.

    * ``verbatim_analysis`` and ``verbatim_themes``: the rows of those answers;
    * the text model: a statistic over every verbatim, in which a word counts only when
      several answers use it, so it is not fitted again; but ``words`` that identify the
      person (their names, the words of their e-mail address, their phone written in one
      piece), if their own verbatims hold them, are taken out of it: its word weights, each
      theme's words, key words and label (written "…" there), and the sentiment model's
      vocabulary.

    Returns the rows deleted per table, and ``verbatims.textmodel_words``: how many of
    ``words`` were taken out of the text model."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("verbatims_erase runs in the caller's app-database transaction")
    keys = list(dict.fromkeys((str(s), str(c)) for s, c in records))
    texts = [str(t) for (t,) in tx.select_keys("responses", ["verbatim"], keys) if t]
    through = ("responses", ("source", "response_id"), ("source", "customer_id"))
    out = {
        name: tx.delete_keys(name, keys, through=through)
        for name in ("verbatim_themes", "verbatim_analysis")
    }
    identifying = {t for w in words for t in tokens(str(w)) if len(t) > 1}
    written = {t for text in texts for t in tokens(text)}
    found = identifying & written
    out["verbatims.textmodel_words"] = _text_model_forget(found) if found else 0
    return out


def _text_model_forget(found: set[str]) -> int:
    """Take the words ``found`` (tokens) out of the stored text model and themes; return how
    many of them it held."""
    from cxpilot.verbatims import sentiment as senti

    featuriser = Featuriser()
    of_word: dict[str, set[str]] = {}  # folded word -> its features
    for word in {fold(w) for w in found}:
        features = {f"xx:{word}", *(f"{lang}:{word}" for lang in ("fr", "en"))}
        for lang in ("fr", "en"):
            feature = featuriser.feature(word, lang)
            if feature and not feature.startswith("c:"):  # a glossary concept names no one
                features.add(feature)
        of_word[word] = features
    features = set().union(*of_word.values())
    held: set[str] = set()  # folded words the model or the themes held

    def note(keys: Iterable[str]) -> None:
        present = set(keys)
        held.update(w for w, fs in of_word.items() if fs & present)

    current = TextModel.current()
    if current is not None:
        changes: dict[str, Any] = {}
        idf = dict(current.idf or {})
        if features & set(idf):
            note(idf)
            changes["idf"] = {k: v for k, v in idf.items() if k not in features}
        if current.sentiment:
            model = senti.SentimentModel.from_bytes(bytes(current.sentiment))
            forgotten = model.forget(found)
            if forgotten:
                held.update(fold(w) for w in forgotten)
                changes["sentiment"] = model.to_bytes()
        if changes:
            # an update, not a save: the model was not fitted again (its date stays)
            TextModel.objects.filter(pk=current.pk).update(**changes)
            _loaded.clear()
    words = set(of_word)
    for theme in Theme.objects.all():
        before = theme.terms or {}
        note(before)
        changed: dict[str, Any] = {}
        terms = {k: v for k, v in before.items() if k not in features}
        if terms != before:
            changed["terms"] = terms
        for name in ("keywords_en", "keywords_fr"):
            values = list(getattr(theme, name) or [])
            kept = [k for k in values if fold(str(k)) not in words]
            if kept != values:
                held.update(w for k in values if (w := fold(str(k))) in words)
                changed[name] = kept
        for name in ("label_en", "label_fr"):
            label = str(getattr(theme, name))
            unnamed = _unnamed(label, words)
            if unnamed != label:
                held.update(w for w in _LABEL_WORD.findall(fold(label)) if w in words)
                changed[name] = unnamed
        if changed:
            # the pages computed from the themes see the change (their date moves)
            Theme.objects.filter(pk=theme.pk).update(**changed, updated_at=timezone.now())
    return len(held)


_LABEL_WORD = re.compile(r"[^\W_]+")


def _unnamed(label: str, folded: set[str]) -> str:
    """``label`` with each word of ``folded`` (compared folded) written "…"."""
    return _LABEL_WORD.sub(lambda m: "…" if fold(m.group(0)) in folded else m.group(0), label)
