"""The verbatim pipeline: language, themes and sentiment of a batch of verbatims.

Pure computation on lists and numpy arrays (no Django, no I/O). The fitted parts (the feature
space, the themes, the sentiment model) are arguments; :mod:`cxpilot.verbatims.services` loads them
from the app database and stores the result in the warehouse.

Themes are found clause by clause, and where a verbatim has several themes each mention gets
the polarity of the clause that carries it ("livraison rapide mais vendeur désagréable":
delivery +, staff −).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cxpilot.kernel import language as lang_detect
from cxpilot.verbatims import sentiment as senti
from cxpilot.verbatims.normalise import Featuriser
from cxpilot.verbatims.themes import Assignment, ThemeSpec, Vocabulary, assign, clause_units

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
    threshold: float | None = None,
    featuriser: Featuriser | None = None,
    keys: np.ndarray | None = None,
) -> Analysis:
    """Analyse ``texts`` (``declared``: the answers' declared languages, a tie-breaker).

    Themes are assigned clause by clause (``themes.clause_units``); ``threshold`` is the
    coverage a clause needs (default ``themes.THRESHOLD``). ``keys``: the answers' key hashes
    (``sentiment.key_hashes``); a text the sentiment model was cross-fitted on then gets its
    out-of-fold polarity, and so do its clauses."""
    languages = lang_detect.detect(texts, declared)
    featuriser = featuriser or Featuriser()
    labels, polarity = model.predict(texts, languages, keys)
    units = clause_units(texts, languages, featuriser)
    mentions = assign(units.docs, texts, vocab, themes, threshold=threshold, owner=units.owner)
    m_sent = labels[mentions.doc].astype(np.int8) if mentions.doc.size else np.zeros(0, np.int8)
    m_pol = polarity[mentions.doc].astype(np.float64) if mentions.doc.size else np.zeros(0)
    if mentions.doc.size:
        # a verbatim with several themes: each mention takes the polarity of its clause
        counts = np.bincount(mentions.doc, minlength=len(texts))
        rows = np.flatnonzero((counts[mentions.doc] > 1) & (mentions.unit >= 0))
        if rows.size:
            picked = mentions.unit[rows]
            clause_keys = None if keys is None else np.asarray(keys)[units.owner[picked]]
            c_labels, c_pol = model.predict(
                [units.text[i] for i in picked.tolist()],
                [units.language[i] for i in picked.tolist()],
                clause_keys,
            )
            m_sent[rows] = c_labels
            m_pol[rows] = c_pol
    return Analysis(
        language=list(languages),
        sentiment=np.asarray(labels, dtype=np.int8),
        polarity=np.asarray(polarity, dtype=np.float64),
        mentions=mentions,
        mention_sentiment=m_sent,
        mention_polarity=m_pol,
    )
