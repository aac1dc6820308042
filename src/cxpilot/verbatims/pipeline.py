"""The verbatim pipeline: language, themes and sentiment of a batch of verbatims.

Pure computation on lists and numpy arrays (no Django, no I/O). The fitted parts (the feature
space, the themes, the sentiment model) are arguments; :mod:`cxpilot.verbatims.services` loads them
from the app database and stores the result in the warehouse.

Where a verbatim has several themes, each mention gets its own polarity: the verbatim is cut
into clauses (``sentiment.split_clauses``) and a theme takes the polarity of the clause most
similar to it ("livraison rapide mais vendeur désagréable": delivery +, staff −).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cxpilot.kernel import language as lang_detect
from cxpilot.verbatims import sentiment as senti
from cxpilot.verbatims.normalise import Featuriser
from cxpilot.verbatims.themes import Assignment, ThemeSpec, Vocabulary, assign, theme_scores

__all__ = ["Analysis", "analyse", "featurise"]


@dataclass
class Analysis:
    """Per verbatim: ``language``, ``sentiment`` (−1/0/+1), ``polarity`` (−1…1); per theme
    mention: ``mentions`` (doc, theme, score) with ``mention_sentiment`` and
    ``mention_polarity`` aligned to it."""

    language: list[str]
    sentiment: np.ndarray
    polarity: np.ndarray
    mentions: Assignment
    mention_sentiment: np.ndarray
    mention_polarity: np.ndarray


def featurise(
    texts: Sequence[str | None], languages: Sequence[str], featuriser: Featuriser | None = None
) -> list[list[str]]:
    """Feature lists of ``texts``; a text in another language than fr/en uses its own words."""
    featuriser = featuriser or Featuriser()
    return featuriser.batch(texts, languages)


def analyse(
    texts: Sequence[str | None],
    declared: Sequence[str | None] | None,
    *,
    vocab: Vocabulary,
    themes: Sequence[ThemeSpec],
    model: senti.SentimentModel,
    threshold: float = 0.3,
    featuriser: Featuriser | None = None,
    keys: np.ndarray | None = None,
) -> Analysis:
    """Analyse ``texts`` (``declared``: the answers' declared languages, a tie-breaker).

    ``keys``: the answers' key hashes (``sentiment.key_hashes``); a text the sentiment model
    was cross-fitted on then gets its out-of-fold polarity, and so do its clauses."""
    languages = lang_detect.detect(texts, declared)
    featuriser = featuriser or Featuriser()
    docs = featuriser.batch(texts, languages)
    labels, polarity = model.predict(texts, languages, keys)
    mentions = assign(docs, texts, vocab, themes, threshold=threshold)
    m_sent = labels[mentions.doc].astype(np.int8) if mentions.doc.size else np.zeros(0, np.int8)
    m_pol = polarity[mentions.doc].astype(np.float64) if mentions.doc.size else np.zeros(0)
    if mentions.doc.size:
        counts = np.bincount(mentions.doc, minlength=len(texts))
        multi = np.flatnonzero(counts[mentions.doc] > 1)
        if multi.size:
            _per_clause(
                multi,
                mentions,
                texts,
                languages,
                vocab,
                themes,
                model,
                featuriser,
                threshold,
                m_sent,
                m_pol,
                keys,
            )
    return Analysis(
        language=list(languages),
        sentiment=np.asarray(labels, dtype=np.int8),
        polarity=np.asarray(polarity, dtype=np.float64),
        mentions=mentions,
        mention_sentiment=m_sent,
        mention_polarity=m_pol,
    )


def _per_clause(
    rows: np.ndarray,
    mentions: Assignment,
    texts: Sequence[str | None],
    languages: Sequence[str],
    vocab: Vocabulary,
    themes: Sequence[ThemeSpec],
    model: senti.SentimentModel,
    featuriser: Featuriser,
    threshold: float,
    m_sent: np.ndarray,
    m_pol: np.ndarray,
    keys: np.ndarray | None = None,
) -> None:
    """Give each mention of a multi-theme verbatim the polarity of its most similar clause
    (predicted by the same fold's model as its verbatim)."""
    docs = np.unique(mentions.doc[rows])
    clause_text: list[str] = []
    clause_lang: list[str] = []
    clause_doc: list[int] = []
    start = np.zeros(docs.size + 1, dtype=np.int64)
    for i, d in enumerate(docs.tolist()):
        parts = senti.split_clauses(texts[d] or "") or [texts[d] or ""]
        clause_text += parts
        clause_lang += [languages[d]] * len(parts)
        clause_doc += [d] * len(parts)
        start[i + 1] = start[i] + len(parts)
    if len(clause_text) == docs.size:
        return  # no verbatim had more than one clause
    sims, ids = theme_scores(featuriser.batch(clause_text, clause_lang), vocab, themes)
    if not ids.size:
        return
    clause_keys = None if keys is None else np.asarray(keys)[np.asarray(clause_doc, np.int64)]
    c_labels, c_pol = model.predict(clause_text, clause_lang, clause_keys)
    column = {int(t): np.flatnonzero(ids == t) for t in np.unique(ids)}
    where = {int(d): i for i, d in enumerate(docs.tolist())}
    for i in rows.tolist():
        cols = column.get(int(mentions.theme[i]))
        k = where[int(mentions.doc[i])]
        a, b = start[k], start[k + 1]
        if cols is None or b - a < 2:
            continue
        block = sims[a:b][:, cols].max(axis=1)
        if block.max() > 0:
            best = a + int(block.argmax())
            m_sent[i] = c_labels[best]
            m_pol[i] = c_pol[best]
