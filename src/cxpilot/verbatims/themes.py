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

from cxpilot.verbatims.normalise import LANGUAGES, Featuriser, fold, tokens
from cxpilot.verbatims.sentiment import split_clauses

__all__ = [
    "Assignment",
    "Discovered",
    "ThemeSpec",
    "Vocabulary",
    "Units",
    "assign",
    "clause_units",
    "compile_rule",
    "discover",
    "reconcile",
]

#: Letters a keyword rule's word needs before a final "*".
MIN_STEM = 3
#: Term weights kept per theme.
TERMS_KEPT = 40
#: Glossary concepts read best in keywords: they count for half as much again.
CONCEPT_BONUS = 1.5
#: A unit carries a theme it covers at least this well (term weights summed, each theme's
#: heaviest term weighing 1)…
THRESHOLD = 0.5
#: …and, besides its best theme, any theme it covers at least this share as well.
SECOND = 0.6
#: A feature whose units are at least this share one theme's weighs that share in it.
SPECIFIC = 0.6
#: …but less than the theme's own heaviest term, which names it.
REFINED_MAX = 0.9
#: Components with a cosine similarity of at least this are one theme.
MERGE_AT = 0.5
#: A theme must be the best match of at least this share of the units (and 3).
MIN_SHARE = 0.002
#: Labels: theme terms of at least this weight, phrases of at most PHRASE_MAX words, each
#: word after the first adding PHRASE_BONUS to a phrase's weight, a second phrase shown when
#: it is worth SECOND_LABEL of the first; read off at most LABEL_SAMPLE clauses per language.
LABEL_WEIGHT = 0.2
PHRASE_MAX = 4
PHRASE_BONUS = 0.25
SECOND_LABEL = 0.5
LABEL_SAMPLE = 2000
_CHUNK = re.compile(r"[,;:()\[\]\"«»!?.…/\u2013\u2014]+|\s-\s")


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
    unit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class Units:
    """The clauses of a batch of verbatims: ``text``, ``language`` and features ``docs`` of
    each clause, and ``owner``, the row of the verbatim it comes from."""

    text: list[str]
    language: list[str]
    docs: list[list[str]]
    owner: np.ndarray


def clause_units(
    texts: Sequence[str | None], languages: Sequence[str], featuriser: Featuriser
) -> Units:
    """Cut each verbatim into clauses (``sentiment.split_clauses``: sentences and the parts
    around "mais", "but"…) and featurise each clause in its verbatim's language. A verbatim
    with no clause (empty) has none."""
    text: list[str] = []
    lang: list[str] = []
    owner: list[int] = []
    for row, (t, code) in enumerate(zip(texts, languages, strict=True)):
        if not t:
            continue
        for part in split_clauses(t) or [t]:
            text.append(part)
            lang.append(code)
            owner.append(row)
    return Units(
        text=text,
        language=lang,
        docs=featuriser.batch(text, lang),
        owner=np.asarray(owner, dtype=np.int64),
    )


def discover(
    docs: Sequence[Sequence[str]],
    languages: Sequence[str],
    featuriser: Featuriser,
    *,
    themes: int = 30,
    seed: int = 0,
    min_df: int | None = None,
    max_df: float = 0.4,
    texts: Sequence[str] | None = None,
) -> tuple[Vocabulary, list[Discovered]]:
    """Fit the vocabulary, then up to ``themes`` NMF components per language, then merge them.

    ``docs`` are the units themes are found in: the clauses of the verbatims
    (:func:`clause_units`), so that the words of one sentence are what a theme learns from;
    ``texts`` are their texts, for the labels. ``featuriser`` must have produced ``docs`` with
    ``remember=True``. Features in fewer than ``min_df`` units (default: 0.1 % of them, at
    least 3) or in more than ``max_df`` of them are left out. Components are found in French
    and in English separately (a language needs 50 units); components with the same heaviest
    feature, or whose term vectors have a cosine similarity of at least :data:`MERGE_AT`, are
    one theme (so a French and an English component about "livraison" / "delivery", which
    share the glossary's concepts, become one theme with a label in each language). A theme
    that is the best match of fewer than :data:`MIN_SHARE` of the units (at least 3) is left
    out.
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
    components: list[np.ndarray] = []
    for lang in LANGUAGES:
        rows = np.flatnonzero(lang_arr == lang)
        rows = rows[np.diff(x.indptr)[rows] > 0]
        if rows.size >= 50:
            k = max(2, min(themes, rows.size // 20))
            components += _nmf(x[rows], k, seed)
    if not components:
        return vocab, []
    h = _merge(np.array(components))
    h = _refine(x, h)
    # which theme each unit is about (the best coverage), for sizes, languages and labels
    scores = _coverage(x, h)
    best = scores.argmax(axis=1)
    has = scores.max(axis=1) >= THRESHOLD
    minimum = max(3, math.ceil(n * MIN_SHARE))
    out: list[Discovered] = []
    for t, row in enumerate(h):
        members = np.flatnonzero(has & (best == t))
        if members.size < minimum:
            continue
        order = np.argsort(-row)[:TERMS_KEPT]
        terms = {names[j]: round(float(row[j]), 6) for j in order if row[j] > 0}
        langs = tuple(
            lang
            for lang in LANGUAGES
            if (lang_arr[members] == lang).sum() >= max(3, 0.05 * members.size)
        ) or (str(lang_arr[members[0]]),)
        labels: dict[str, str] = {}
        keywords: dict[str, list[str]] = {}
        for lang in LANGUAGES:
            own = members[lang_arr[members] == lang]
            keywords[lang] = _keywords(terms, featuriser, lang)
            labels[lang] = (
                _phrase_label(terms, [texts[i] for i in own[:LABEL_SAMPLE]], lang, featuriser)
                if texts is not None and own.size
                else ""
            ) or " · ".join(keywords[lang][:3])
        for lang in LANGUAGES:  # a theme absent from a language shows the other's words
            other = "en" if lang == "fr" else "fr"
            if not keywords[lang]:
                keywords[lang] = keywords[other]
            if not labels[lang] or lang not in langs:
                labels[lang] = labels[other] if other in langs else labels[lang]
        out.append(
            Discovered(
                terms=terms,
                labels=labels,
                keywords=keywords,
                documents=int(members.size),
                languages=langs,
            )
        )
    out.sort(key=lambda d: -d.documents)
    return vocab, out


def _nmf(x: sparse.csr_matrix, k: int, seed: int) -> list[np.ndarray]:
    from sklearn.decomposition import NMF

    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500, tol=1e-4)
    model.fit(x)
    return [row for row in model.components_ if row.max() > 0]


def _merge(h: np.ndarray) -> np.ndarray:
    """Components scaled to a maximum of 1; those with the same heaviest feature or a cosine
    similarity of at least :data:`MERGE_AT` merged (union, element-wise maximum)."""
    h = h / h.max(axis=1, keepdims=True)
    k = h.shape[0]
    parent = list(range(k))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    unit = h / np.linalg.norm(h, axis=1, keepdims=True)
    sim = unit @ unit.T
    top = h.argmax(axis=1)
    for i in range(k):
        for j in range(i + 1, k):
            if top[i] == top[j] or sim[i, j] >= MERGE_AT:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(k):
        groups.setdefault(root(i), []).append(i)
    return np.array([h[g].max(axis=0) for g in groups.values()])


def _refine(x: sparse.csr_matrix, h: np.ndarray) -> np.ndarray:
    """Give each theme the words that belong to it: a feature whose units are mostly (a
    share p ≥ :data:`SPECIFIC`, and at least 3 of them) the theme's own units — those it
    covers best, at least up to the threshold — weighs at least p in it (at most
    :data:`REFINED_MAX`). "colis" and
    "lendemain", said almost only in delivery clauses, then bring a clause to the delivery
    theme without the word "livraison"."""
    scores = _coverage(x, h)
    best = scores.argmax(axis=1)
    has = scores.max(axis=1) >= THRESHOLD
    present = x.copy().tocsc()
    present.data[:] = 1.0
    per_feature = np.asarray(present.sum(axis=0)).ravel()
    member = sparse.csr_matrix(
        (np.ones(int(has.sum())), (best[has], np.flatnonzero(has))),
        shape=(h.shape[0], x.shape[0]),
    )
    together = np.asarray((member @ present).todense())  # themes × features
    share = np.divide(together, per_feature, out=np.zeros_like(together), where=per_feature > 0)
    specific = (share >= SPECIFIC) & (together >= 3)
    return np.where(specific, np.maximum(h, np.minimum(share, REFINED_MAX)), h)


def _coverage(x: sparse.csr_matrix, h: np.ndarray) -> np.ndarray:
    """Coverage of each theme by each unit: the sum of the theme's term weights (scaled to a
    maximum of 1) over the features the unit has."""
    present = x.copy()
    present.data[:] = 1.0
    return np.asarray(present @ h.T)


def _keywords(terms: Mapping[str, float], featuriser: Featuriser, lang: str) -> list[str]:
    words: list[str] = []
    ranked = sorted(terms, key=lambda f: -terms[f] * (CONCEPT_BONUS if f[:2] == "c:" else 1))
    for feature in ranked:
        words += [w for w in featuriser.words_of(feature, lang) if w not in words]
        if len(words) >= 8:
            break
    return words


def _phrase_label(
    terms: Mapping[str, float], texts: Sequence[str], lang: str, featuriser: Featuriser
) -> str:
    """The phrase customers use most for a theme, as they write it: among the runs of 1 to
    :data:`PHRASE_MAX` words of the theme's clauses that start and end with a theme word and
    hold no punctuation, the one with the best count × weight (a longer phrase must be common
    to win: each word after the first adds :data:`PHRASE_BONUS` to its weight). A second
    phrase about other words of the theme follows after " · " when it is nearly as common."""
    weight = {f: w for f, w in terms.items() if w >= LABEL_WEIGHT}
    counts: dict[tuple[str, ...], int] = {}
    feats_of: dict[tuple[str, ...], frozenset[str]] = {}
    for text in texts:
        seen: set[tuple[str, ...]] = set()
        for chunk in _CHUNK.split(text):
            toks = tokens(chunk)
            feats = [featuriser.feature(fold(t), lang) for t in toks]
            for i, fi in enumerate(feats):
                if fi not in weight:
                    continue
                for j in range(i, min(len(toks), i + PHRASE_MAX)):
                    if feats[j] not in weight:
                        continue
                    gram = tuple(toks[i : j + 1])
                    if gram in seen:
                        continue
                    seen.add(gram)
                    counts[gram] = counts.get(gram, 0) + 1
                    if gram not in feats_of:
                        feats_of[gram] = frozenset(f for f in feats[i : j + 1] if f in weight)
    if not counts:
        return ""

    def value(gram: tuple[str, ...]) -> float:
        fs = feats_of[gram]
        return counts[gram] * max(weight[f] for f in fs) * (1 + PHRASE_BONUS * (len(fs) - 1))

    ranked = sorted(counts, key=lambda g: (-value(g), len(g), g))
    first = ranked[0]
    label = " ".join(first)
    for gram in ranked[1:]:
        if value(gram) < SECOND_LABEL * value(first):
            break
        if not (feats_of[gram] & feats_of[first]):
            return f"{label} · {' '.join(gram)}"
    return label


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
    "livraison" and "livré"; the word needs :data:`MIN_STEM` letters before it, so that a
    rule cannot match every verbatim); several words must follow each other. Case and
    accents are ignored. ValueError for a rule with no word, a word with no letter or digit,
    or a misplaced or too early "*".
    """
    parts = []
    for word in fold(pattern).split():
        star = word.endswith("*")
        stem = word.rstrip("*")
        if "*" in stem:
            raise ValueError(f"{word!r}: '*' goes at the end of a word only")
        if not any(c.isalnum() for c in stem):
            raise ValueError(f"{word!r} has no letter or digit to look for")
        if star and sum(c.isalnum() for c in stem) < MIN_STEM:
            raise ValueError(
                f"{word!r}: a word ending in '*' needs at least {MIN_STEM} letters before it"
            )
        parts.append(re.escape(stem) + (r"\w*" if star else ""))
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
    """Coverage of each model theme by each unit (n × k: the sum of the theme's term weights,
    scaled to a maximum of 1, over the unit's features), and the resolved theme id of each
    column (merged themes count for their target)."""
    model_specs = [s for s in specs if s.terms and s.split_from is None]
    resolve = _resolver(specs)
    ids = np.array([resolve(s.id) for s in model_specs], dtype=np.int64)
    if not model_specs or not vocab.idf:
        return np.zeros((len(docs), 0)), ids[:0]
    x, names = vocab.matrix(docs)
    index = {f: i for i, f in enumerate(names)}
    h = np.zeros((len(model_specs), len(names)))
    for r, spec in enumerate(model_specs):
        for feature, w in spec.terms.items():
            j = index.get(feature)
            if j is not None:
                h[r, j] = w
    top = h.max(axis=1, keepdims=True)
    top[top == 0] = 1.0
    return _coverage(x, h / top), ids


def assign(
    docs: Sequence[Sequence[str]],
    texts: Sequence[str | None],
    vocab: Vocabulary,
    specs: Sequence[ThemeSpec],
    *,
    threshold: float | None = None,
    top: int = 3,
    owner: np.ndarray | None = None,
) -> Assignment:
    """The themes of each verbatim (see the module docstring for the rules).

    ``docs`` are the features of the units (the clauses of :func:`clause_units`, or the whole
    verbatims) and ``owner`` the verbatim row of each unit (None: unit i is verbatim i);
    ``texts`` are the verbatims' texts, for keyword rules. A unit carries the theme it covers
    best when the coverage is at least ``threshold`` (default :data:`THRESHOLD`), and any
    other theme it covers at least :data:`SECOND` times as well; a verbatim carries the themes
    of its units (at most ``top``, the best covered first). ``Assignment.unit`` is the unit
    that gave each mention (−1 for a keyword rule)."""
    threshold = THRESHOLD if threshold is None else threshold
    n = len(texts)
    empty = np.zeros(0, dtype=np.int64)
    if n == 0 or not specs:
        return Assignment(empty, empty, np.zeros(0), unit=empty)
    owners = np.arange(len(docs), dtype=np.int64) if owner is None else np.asarray(owner)
    scores, ids = theme_scores(docs, vocab, specs)
    if scores.shape[1] and scores.shape[0]:
        best = scores.max(axis=1, keepdims=True)
        keep = (scores >= threshold) & (scores >= SECOND * best)
        units, cols = np.nonzero(keep)
        doc, theme, score = owners[units], ids[cols], scores[units, cols]
    else:
        units, doc, theme, score = empty, empty, empty, np.zeros(0)
    # one mention per (verbatim, theme): its best unit
    order = np.lexsort((-score, theme, doc))
    doc, theme, score, units = doc[order], theme[order], score[order], units[order]
    first = np.ones(doc.size, dtype=bool)
    first[1:] = (doc[1:] != doc[:-1]) | (theme[1:] != theme[:-1])
    doc, theme, score, units = doc[first], theme[first], score[first], units[first]
    if doc.size and top:
        # at most ``top`` themes per verbatim, the best covered first
        order = np.lexsort((-score, doc))
        doc, theme, score, units = doc[order], theme[order], score[order], units[order]
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
        rank = np.arange(doc.size) - np.repeat(starts, np.diff(np.r_[starts, doc.size]))
        sel = rank < top
        doc, theme, score, units = doc[sel], theme[sel], score[sel], units[sel]
    ruled = [(s, [compile_rule(p) for p in s.rules]) for s in specs if s.rules]
    final = {
        (int(d), int(t)): (float(v), int(u))
        for d, t, v, u in zip(doc, theme, score, units, strict=True)
    }
    if ruled:
        resolve = _resolver(specs)
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
                    final[(r, own)] = (1.0, final.pop(parent)[1])
                    continue
                final[(r, own)] = (max(1.0, final.get((r, own), (0.0, -1))[0]), -1)
    if not final:
        return Assignment(empty, empty, np.zeros(0), unit=empty)
    keys = sorted(final)
    return Assignment(
        doc=np.array([k[0] for k in keys], dtype=np.int64),
        theme=np.array([k[1] for k in keys], dtype=np.int64),
        score=np.array([final[k][0] for k in keys]),
        unit=np.array([final[k][1] for k in keys], dtype=np.int64),
    )
