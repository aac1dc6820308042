"""Themes of verbatims: discovered without training data, then assigned to every verbatim.

Pure computation (numpy, scipy, scikit-learn); no Django and no I/O.

* :func:`discover` weighs the features of a body of verbatims (see :mod:`.normalise`) by
  TF-IDF (sublinear term frequency, smooth idf, rows normalised to unit length) and factorises
  the matrix with non-negative matrix factorisation (Lee & Seung 1999; scikit-learn's ``NMF``,
  ``nndsvda`` start, so the result is deterministic). Each component is a theme: a weighted
  list of features. French and English words of the same concept share one feature, so
  "livraison en retard" and "late delivery" load on the same theme. Each theme is labelled in
  each language with the commonest real words behind its top features.
* :func:`assign` gives a verbatim every theme whose term vector has a cosine similarity of at
  least ``threshold`` with the verbatim's TF-IDF vector (at most ``top`` themes), plus every
  theme whose keyword rules match its text. Merged themes count for their target; a theme
  split from another takes, among the parent's verbatims, those that match its rules.
* :func:`reconcile` matches newly discovered themes with the stored ones (Hungarian assignment
  on the cosine similarity of their term vectors), so names, pins and rules given by people
  survive a re-run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from cxpilot.verbatims.normalise import LANGUAGES, Featuriser, fold

__all__ = [
    "Assignment",
    "Discovered",
    "ThemeSpec",
    "Vocabulary",
    "assign",
    "compile_rule",
    "discover",
    "reconcile",
]

TERMS_KEPT = 40
CONCEPT_BONUS = 1.5


@dataclass(frozen=True)
class Vocabulary:
    """The fitted feature space: feature -> inverse document frequency."""

    idf: dict[str, float]

    def matrix(self, docs: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, list[str]]:
        """Unit-length TF-IDF rows (sublinear tf) of ``docs`` over this vocabulary."""
        index = {f: i for i, f in enumerate(self.idf)}
        idf = np.fromiter(self.idf.values(), dtype=np.float64, count=len(self.idf))
        indptr = [0]
        indices: list[int] = []
        counts: list[float] = []
        for doc in docs:
            seen: dict[int, int] = {}
            for feature in doc:
                j = index.get(feature)
                if j is not None:
                    seen[j] = seen.get(j, 0) + 1
            indices.extend(seen)
            counts.extend(seen.values())
            indptr.append(len(indices))
        data = np.asarray(counts, dtype=np.float64)
        cols = np.asarray(indices, dtype=np.int64)
        if data.size:
            data = (1.0 + np.log(data)) * idf[cols]
        x = sparse.csr_matrix((data, cols, np.asarray(indptr)), shape=(len(docs), len(idf)))
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x = sparse.diags(1.0 / norms) @ x
        return x.tocsr(), list(self.idf)


@dataclass
class Discovered:
    """One discovered theme: its term weights and its labels in each language."""

    terms: dict[str, float]
    labels: dict[str, str]
    keywords: dict[str, list[str]]
    documents: int
    languages: tuple[str, ...] = ("fr", "en")


@dataclass(frozen=True)
class ThemeSpec:
    """What assignment needs to know of a stored theme."""

    id: int
    terms: Mapping[str, float]
    rules: Sequence[str] = ()
    merged_into: int | None = None
    split_from: int | None = None


@dataclass
class Assignment:
    """Themes of each verbatim: parallel arrays ``doc`` (row index), ``theme`` (id), ``score``."""

    doc: np.ndarray
    theme: np.ndarray
    score: np.ndarray
    clauses: dict[int, list[str]] = field(default_factory=dict)


def discover(
    docs: Sequence[Sequence[str]],
    languages: Sequence[str],
    featuriser: Featuriser,
    *,
    themes: int = 20,
    seed: int = 0,
    min_df: int | None = None,
    max_df: float = 0.4,
    pair_at: float = 0.35,
) -> tuple[Vocabulary, list[Discovered]]:
    """Fit the vocabulary, then up to ``themes`` NMF themes per language, then pair them.

    ``featuriser`` must have produced ``docs`` with ``remember=True`` (its word counts give
    the labels). Features in fewer than ``min_df`` verbatims (default: 0.1 % of them, at least
    3) or in more than ``max_df`` of them are left out. Themes are found in French and in
    English separately (a language needs 50 verbatims); a French theme and an English theme
    whose term vectors have a cosine similarity of at least ``pair_at`` (one-to-one, Hungarian
    assignment) become one theme with a label in each language.
    """
    n = len(docs)
    if n == 0:
        return Vocabulary({}), []
    min_df = min_df if min_df is not None else max(3, math.ceil(n * 0.001))
    df: dict[str, int] = {}
    for doc in docs:
        for feature in set(doc):
            df[feature] = df.get(feature, 0) + 1
    kept = sorted(f for f, k in df.items() if k >= min_df and k <= max_df * n)
    # smooth idf, as scikit-learn's TfidfTransformer: ln((1 + n) / (1 + df)) + 1
    vocab = Vocabulary({f: math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept})
    if not kept:
        return vocab, []
    x, names = vocab.matrix(docs)
    lang_arr = np.asarray(languages)
    per_language: dict[str, list[Discovered]] = {}
    for lang in LANGUAGES:
        rows = np.flatnonzero(lang_arr == lang)
        if rows.size >= 50:
            k = max(2, min(themes, rows.size // 20))
            per_language[lang] = _nmf(x[rows], names, lang, featuriser, k, seed)
    fr, en = per_language.get("fr", []), per_language.get("en", [])
    pairs = reconcile([t.terms for t in fr], [t.terms for t in en], minimum=pair_at)
    out: list[Discovered] = []
    for i, theme in enumerate(en):
        j = pairs.get(i)
        if j is None:
            out.append(theme)
            continue
        other = fr[j]
        terms: dict[str, float] = {}
        for part in (other, theme):
            norm = math.sqrt(sum(w * w for w in part.terms.values())) or 1.0
            for f, w in part.terms.items():
                terms[f] = terms.get(f, 0.0) + w / norm
        top = sorted(terms.items(), key=lambda kv: -kv[1])[:TERMS_KEPT]
        out.append(
            Discovered(
                terms={f: round(w, 6) for f, w in top},
                labels={"fr": other.labels["fr"], "en": theme.labels["en"]},
                keywords={"fr": other.keywords["fr"], "en": theme.keywords["en"]},
                documents=other.documents + theme.documents,
                languages=("fr", "en"),
            )
        )
    paired = set(pairs.values())
    out += [t for j, t in enumerate(fr) if j not in paired]
    out.sort(key=lambda d: -d.documents)
    return vocab, out


def _nmf(
    x: sparse.csr_matrix,
    names: list[str],
    lang: str,
    featuriser: Featuriser,
    k: int,
    seed: int,
) -> list[Discovered]:
    from sklearn.decomposition import NMF

    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500, tol=1e-4)
    weights = model.fit_transform(x)
    best = weights.argmax(axis=1)
    has = weights.max(axis=1) > 0
    out = []
    for t, row in enumerate(model.components_):
        order = np.argsort(-row)[:TERMS_KEPT]
        terms = {names[j]: round(float(row[j]), 6) for j in order if row[j] > 0}
        if not terms:
            continue
        words: list[str] = []
        # glossary concepts read best in a label: they count for half as much again
        ranked = sorted(terms, key=lambda f: -terms[f] * (CONCEPT_BONUS if f[:2] == "c:" else 1))
        for feature in ranked:
            words += [w for w in featuriser.words_of(feature, lang) if w not in words]
            if len(words) >= 8:
                break
        label = " · ".join(words[:3])
        out.append(
            Discovered(
                terms=terms,
                labels={"fr": label, "en": label},
                keywords={"fr": words, "en": words},
                documents=int((has & (best == t)).sum()),
                languages=(lang,),
            )
        )
    return out


def _unit(terms: Mapping[str, float], index: Mapping[str, int], size: int) -> np.ndarray:
    v = np.zeros(size)
    for feature, w in terms.items():
        j = index.get(feature)
        if j is not None:
            v[j] = w
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def similarity(a: Sequence[Mapping[str, float]], b: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Cosine similarity of every term vector of ``a`` with every one of ``b``."""
    features = sorted({f for t in (*a, *b) for f in t})
    index = {f: i for i, f in enumerate(features)}
    ma = np.array([_unit(t, index, len(features)) for t in a]).reshape(len(a), len(features))
    mb = np.array([_unit(t, index, len(features)) for t in b]).reshape(len(b), len(features))
    return ma @ mb.T


def reconcile(
    stored: Sequence[Mapping[str, float]],
    found: Sequence[Mapping[str, float]],
    *,
    minimum: float = 0.3,
) -> dict[int, int]:
    """Pairs ``found index -> stored index`` of themes that are the same (one to one)."""
    if not stored or not found:
        return {}
    sim = similarity(found, stored)
    rows, cols = linear_sum_assignment(-sim)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if sim[r, c] >= minimum}


def compile_rule(pattern: str) -> re.Pattern[str]:
    """A keyword rule as a regular expression on folded text.

    Words match whole words; ``*`` at the end of a word matches any ending ("livr*" finds
    "livraison" and "livré"); several words must follow each other. Case and accents are
    ignored.
    """
    parts = []
    for word in fold(pattern).split():
        star = word.endswith("*")
        word = re.escape(word.rstrip("*"))
        parts.append(word + (r"\w*" if star else ""))
    if not parts:
        raise ValueError("a keyword rule needs at least one word")
    return re.compile(r"\b" + r"\W+".join(parts) + r"\b")


def _resolver(specs: Sequence[ThemeSpec]) -> Callable[[int], int]:
    """Theme id -> the id it counts for, following merges (a loop stops where it closes)."""
    target = {s.id: s.merged_into for s in specs if s.merged_into is not None}

    def resolve(tid: int) -> int:
        seen = {tid}
        while tid in target and target[tid] not in seen:
            tid = int(target[tid])  # type: ignore[arg-type]
            seen.add(tid)
        return tid

    return resolve


def theme_scores(
    docs: Sequence[Sequence[str]], vocab: Vocabulary, specs: Sequence[ThemeSpec]
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of each verbatim with each model theme (n × k), and the resolved
    theme id of each column (merged themes count for their target)."""
    model_specs = [s for s in specs if s.terms and s.split_from is None]
    resolve = _resolver(specs)
    ids = np.array([resolve(s.id) for s in model_specs], dtype=np.int64)
    if not model_specs or not vocab.idf:
        return np.zeros((len(docs), 0)), ids[:0]
    x, names = vocab.matrix(docs)
    index = {f: i for i, f in enumerate(names)}
    t = np.array([_unit(s.terms, index, len(names)) for s in model_specs])
    return np.asarray(x @ t.T), ids


def assign(
    docs: Sequence[Sequence[str]],
    texts: Sequence[str | None],
    vocab: Vocabulary,
    specs: Sequence[ThemeSpec],
    *,
    threshold: float = 0.3,
    top: int = 3,
) -> Assignment:
    """The themes of each verbatim (see the module docstring for the rules)."""
    n = len(docs)
    empty = np.zeros(0, dtype=np.int64)
    if n == 0 or not specs:
        return Assignment(empty, empty, np.zeros(0))
    scores, ids = theme_scores(docs, vocab, specs)
    if scores.shape[1]:
        if top < scores.shape[1]:
            cut = -np.partition(-scores, top - 1, axis=1)[:, top - 1 : top]
            scores = np.where(scores >= cut, scores, 0.0)
        rows, cols = np.nonzero(scores >= threshold)
        doc, theme, score = rows.astype(np.int64), ids[cols], scores[rows, cols]
    else:
        doc, theme, score = empty, empty, np.zeros(0)
    # one mention per (verbatim, theme): the best score where merged themes meet
    order = np.lexsort((-score, theme, doc))
    doc, theme, score = doc[order], theme[order], score[order]
    first = np.ones(doc.size, dtype=bool)
    first[1:] = (doc[1:] != doc[:-1]) | (theme[1:] != theme[:-1])
    doc, theme, score = doc[first], theme[first], score[first]
    ruled = [(s, [compile_rule(p) for p in s.rules]) for s in specs if s.rules]
    if not ruled:
        return Assignment(doc=doc, theme=theme, score=score)
    resolve = _resolver(specs)
    final = {(int(d), int(t)): float(v) for d, t, v in zip(doc, theme, score, strict=True)}
    folded = [fold(t) if t else "" for t in texts]
    # plain rules first, then splits (which take verbatims from their parent)
    for s, patterns in sorted(ruled, key=lambda sp: sp[0].split_from is not None):
        own = resolve(s.id)
        for r, text in enumerate(folded):
            if not text or not any(p.search(text) for p in patterns):
                continue
            if s.split_from is not None:
                parent = (r, resolve(s.split_from))
                if parent not in final:
                    continue
                del final[parent]
            final[(r, own)] = 1.0
    if not final:
        return Assignment(empty, empty, np.zeros(0))
    keys = sorted(final)
    return Assignment(
        doc=np.array([k[0] for k in keys], dtype=np.int64),
        theme=np.array([k[1] for k in keys], dtype=np.int64),
        score=np.array([final[k] for k in keys]),
    )
