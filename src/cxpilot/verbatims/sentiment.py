"""Polarity of French and English customer verbatims: a CX lexicon with negation and
intensifiers, and a model fitted on the scores that come with the verbatims. Offline.

Lexicon score (the rules of VADER, Hutto & Gilbert 2014, "VADER: A Parsimonious Rule-based
Model for Sentiment Analysis of Social Media Text", ICWSM, with the constants of
vaderSentiment 3.3.2 scaled ×0.75 as its word list is, applied to French and English lexicons
in ``data/sentiment/``: CX Pilot's own, VADER's English words and VADER's emoticons):

- VADER's emoticons (":)", ":(", ":D", "<3", ":-/"…, ``vader_emoticons.tsv``) standing
  between spaces are read in any language, in any case, before the text is folded: each
  becomes a placeholder word that has the emoticon's polarity.
- Words are folded (lower case, accents dropped, ß→ss, œ→oe) and ".", "!", "?", ";" kept as
  clause marks. A word of more than three letters ending in "s" and missing from the lexicon
  is looked up without its "s" (plurals, English third person). Phrases of the lexicon
  ("jamais reçu", "pas de réponse", "not bad") are matched before single words, longest
  first.
- Capitals (VADER): in a text that is not all in capitals, a polar word written in capitals
  (two letters or more) gets :data:`CAPS_INCR` (0.733 × 0.75) more in the direction of its
  polarity, and so does the polar word after an intensifier in capitals ("VERY good").
- A polar term found within 3 words after a negator (ne, n', pas, jamais, aucun, sans, rien,
  plus after ne; not, never, no, without, n't…) is multiplied by the negator's factor
  (−0.8: "pas rapide" is negative, "jamais déçu" positive); within 2 words after an
  intensifier by its factor (très, vraiment, trop 1.5; un peu 0.6; very, really, so…).
  A clause mark ends both scopes.
- After a contrast word (mais, cependant, par contre, en revanche, sauf que; but, however,
  except…) what came before counts half and what follows 1.5 times (VADER's "but" rule).
- Punctuation (VADER): each "!" adds :data:`EXCLAIM_INCR` (0.292 × 0.75), four at most, to
  a sum that is not zero, in its direction; two or three "?" add :data:`QUESTION_INCR`
  (0.18 × 0.75) each and four or more :data:`QUESTION_MAX` (0.96 × 0.75). One "?" adds
  nothing, and a question with no polar word stays at 0.
- The sum s is mapped to [−1, 1] by s / sqrt(s² + α) with α = :data:`ALPHA` (VADER's
  normalisation); a score ≥ :data:`THRESHOLD` is positive, ≤ −THRESHOLD negative, neutral
  between. ALPHA and THRESHOLD were chosen on the development corpora of
  ``bench/bench_sentiment.py`` only (its ``--tune`` grid, which refuses evaluation corpora);
  labels depend only on the cut |s| ≥ THRESHOLD · sqrt(α / (1 − THRESHOLD²)) ≈ 0.07.

Fitted model (:class:`SentimentModel`): logistic regression (multinomial, class weights
balanced, scikit-learn) on TF-IDF of word 1- and 2-grams of the folded words, the words in a
negation scope marked with a leading "!" (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002),
plus three lexicon features (the normalised score and the normalised positive and negative
sums). Labels come from the scores given with the verbatims (:func:`label_from_score`; a
mid-scale NPS of 5–6 teaches no label). With fewer than :data:`MIN_TRAIN` labelled texts, a
label missing or fewer than :data:`MIN_PER_LABEL` texts of one, the model is the lexicon alone
and says why. The score of a fitted model is P(positive) − P(negative).

Cross-fitting (:meth:`SentimentModel.cross_fit`): the texts are split into :data:`FOLDS` folds
by a hash of their key (source and response id: the same answers always fall in the same
fold); besides the model fitted on every text, one model is fitted without each fold. The
polarity of a text the model was fitted on is predicted by the model that did not see its
fold (out of fold), so no stored figure is in-sample; any other text gets the model fitted on
all of them. The out-of-fold predictions give the cross-validated accuracy and macro-F1
(:class:`FitReport`).

A text whose language is neither "fr" nor "en" is read with both lexicons merged (English
modifiers, French words where both define one).
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from scipy import sparse

from cxpilot.kernel.language import FOLD_TABLE, clean_texts, fold_words, latin1_bytes

#: Scope of a negator and of an intensifier, in words.
NEGATION_WINDOW = 3
INTENSIFIER_WINDOW = 2
#: Weights of the words before and after a contrast word.
CONTRAST_BEFORE = 0.5
CONTRAST_AFTER = 1.5
#: VADER's general rules (vaderSentiment 3.3.2), its constants scaled ×0.75 as its word list
#: is: a polar word (or an intensifier) in capitals, in a text not all in capitals, gets
#: CAPS_INCR more in the direction of its polarity (VADER's C_INCR 0.733).
CAPS_INCR = 0.733 * 0.75
#: Each "!" up to EXCLAIM_MAX adds EXCLAIM_INCR to the sum, in its direction (VADER 0.292).
EXCLAIM_INCR = 0.292 * 0.75
EXCLAIM_MAX = 4
#: Two or three "?" add QUESTION_INCR each, four or more QUESTION_MAX, in the direction of the
#: sum; one "?" adds nothing (VADER 0.18 and 0.96).
QUESTION_INCR = 0.18 * 0.75
QUESTION_MAX = 0.96 * 0.75
#: s / sqrt(s² + ALPHA) maps the lexicon sum to [−1, 1]. ALPHA and THRESHOLD: the best
#: mean macro-F1 over the development corpora of bench/bench_sentiment.py (``--tune``), CX
#: Pilot's own hand-labelled three-class verbatims among them.
ALPHA = 4.0
#: Lexicon scores at or beyond ±THRESHOLD are positive / negative.
THRESHOLD = 0.25
#: Fewer labelled texts than this (or a class missing): the model is the lexicon alone.
MIN_TRAIN = 200
#: Fewer texts of one label than this: the model is the lexicon alone (each fold's model
#: must see every label).
MIN_PER_LABEL = 10
#: Folds of the cross-fitting.
FOLDS = 5

#: Score ranges of the metrics (as in the warehouse schema) and their label bands:
#: metric -> (low, high, last negative score, last score taught no label, last neutral score).
#: NPS 0–4 negative, 5–6 no label (detractors by NPS's definition, but their texts are as
#: often neutral as negative), 7–8 neutral (passives), 9–10 positive; CSAT 1–2 / 3 / 4–5;
#: CES (7 = very easy) 1–3 / 4 / 5–7. See docs/verbatims.md.
LABEL_CUTS: dict[str, tuple[int, int, int, int, int]] = {
    "nps": (0, 10, 4, 6, 8),
    "csat": (1, 5, 2, 2, 3),
    "ces": (1, 7, 3, 3, 4),
}
#: The label of an answer whose score teaches none (:func:`labels_from_scores`).
NO_LABEL = 9
#: Names of the labels.
LABEL_NAMES: dict[int, str] = {-1: "negative", 0: "neutral", 1: "positive"}

#: Words on which :func:`split_clauses` splits (besides . ! ? ; and line breaks).
SPLIT_WORDS: tuple[str, ...] = (
    "mais",
    "cependant",
    "pourtant",
    "toutefois",
    "néanmoins",
    "neanmoins",
    "par contre",
    "en revanche",
    "sauf que",
    "but",
    "however",
    "although",
    "though",
    "except",
    "whereas",
    "nevertheless",
)

_TERM, _NEG, _NEG_AFTER_NE, _INTENS, _CONTRAST = range(5)
_KINDS = {
    "negator": _NEG,
    "negator_after_ne": _NEG_AFTER_NE,
    "intensifier": _INTENS,
    "contrast": _CONTRAST,
}
_NE = frozenset({"ne", "n"})
#: "jamais" / "never" followed by one of _SO emphasises instead of negating (x NEVER_SO,
#: VADER's 1.25).
_NEVER = frozenset({"jamais", "never"})
_SO = frozenset({"aussi", "si", "autant", "tellement", "so", "this", "as"})
NEVER_SO = 1.25
_MARK = "."
_SENTENCE = b".!?;"


# --------------------------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class Lexicon:
    """Single words: word -> (polarity or None, modifier kind or None, modifier factor);
    phrases: first word -> ((following words), kind, value), longest first."""

    words: dict[str, tuple[float | None, int | None, float]]
    phrases: dict[str, tuple[tuple[tuple[str, ...], int, float], ...]]


def _rows(name: str) -> list[list[str]]:
    text = (
        resources.files("cxpilot.verbatims").joinpath(f"data/sentiment/{name}").read_text("utf-8")
    )
    return [
        line.split("\t")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _build(entries: list[tuple[tuple[str, ...], int, float]]) -> Lexicon:
    words: dict[str, tuple[float | None, int | None, float]] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], int, float]]] = {}
    for toks, kind, value in entries:
        if not toks:
            continue
        if len(toks) > 1:
            phrases.setdefault(toks[0], [])
            phrases[toks[0]] = [p for p in phrases[toks[0]] if p[0] != toks[1:]]
            phrases[toks[0]].append((toks[1:], kind, value))
            continue
        polarity, mod, factor = words.get(toks[0], (None, None, 1.0))
        if kind == _TERM:
            polarity = value
        else:
            mod, factor = kind, value
        words[toks[0]] = (polarity, mod, factor)
    return Lexicon(
        words=words,
        phrases={k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in phrases.items()},
    )


@lru_cache(maxsize=1)
def _entries() -> dict[str, list[tuple[tuple[str, ...], int, float]]]:
    out: dict[str, list[tuple[tuple[str, ...], int, float]]] = {"fr": [], "en": []}
    for row in _rows("vader_en.tsv"):  # first: CX Pilot's own words win over VADER's
        toks = (row[0],) if row[0].isalpha() else tuple(fold_words(row[0]))
        out["en"].append((toks, _TERM, float(row[1])))
    for word, value in _emoticons().values():  # in every language
        for lang in ("fr", "en"):
            out[lang].append(((word,), _TERM, value))
    for lang in ("fr", "en"):
        for row in _rows(f"lexicon_{lang}.tsv"):
            out[lang].append((tuple(fold_words(row[0])), _TERM, float(row[1])))
    for lang, kind, term, factor in _rows("modifiers.tsv"):
        out[lang].append((tuple(fold_words(term)), _KINDS[kind], float(factor)))
    return out


@lru_cache(maxsize=4)
def lexicon(language: str) -> Lexicon:
    """The lexicon of "fr" or "en"; any other code gives both merged (English modifiers,
    French polarity where both languages list a word)."""
    entries = _entries()
    if language in ("fr", "en"):
        return _build(entries[language])
    fr_terms = [e for e in entries["fr"] if e[1] == _TERM]
    return _build([*entries["en"], *fr_terms])


# ------------------------------------------------------------------------------ tokenising

_SENT_TABLE = bytes(ord(".") if c in _SENTENCE else FOLD_TABLE[c] for c in range(256))

#: An emoticon of the text becomes this prefix and two letters: a word no language has.
_EMO_PREFIX = "qxemo"
#: A word in capitals gets this prefix before folding (removed again, with a flag).
_CAPS_PREFIX = "qxcaps"
_CAPS_HINT = re.compile(r"[A-ZÀ-ÖØ-Þ]{2}")
_CAPS_WORD = re.compile(r"(?<![^\W\d_])[A-ZÀ-ÖØ-Þ]{2,}(?![^\W\d_])")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _emoticons() -> dict[str, tuple[str, float]]:
    """VADER's emoticons (``data/sentiment/vader_emoticons.tsv``, lower case): emoticon ->
    (the placeholder word that stands for it, polarity)."""
    out: dict[str, tuple[str, float]] = {}
    for k, (emoticon, value) in enumerate(_rows("vader_emoticons.tsv")):
        code = chr(97 + k // 26 % 26) + chr(97 + k % 26)
        out[emoticon] = (_EMO_PREFIX + code, float(value))
    return out


@lru_cache(maxsize=1)
def _emoticon_scan() -> tuple[re.Pattern[str], dict[str, str]]:
    """(a pattern finding any character an emoticon has and a word has not, emoticon ->
    placeholder word)."""
    emo = _emoticons()
    chars = {c for e in emo for c in e if not (c.isalnum() or c in "-.',")}
    assert all(any(c in chars for c in e) for e in emo)
    hint = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
    return hint, {e: word for e, (word, _) in emo.items()}


def _mark_caps(text: str) -> str | None:
    """``text`` with each word in capitals (two letters or more) prefixed by the caps mark,
    or None when no word is in capitals or every word is (VADER: the emphasis of capitals is
    a difference from the rest of the text)."""
    if all(run.isupper() for run in _LETTER_RUN.findall(text)):
        return None
    return _CAPS_WORD.sub(lambda m: _CAPS_PREFIX + m.group(0), text)


def _punctuation_boost(text: str) -> float:
    """VADER's emphasis of "!" (each up to EXCLAIM_MAX) and of "??" or more."""
    boost = 0.0
    if "!" in text:
        boost = min(text.count("!"), EXCLAIM_MAX) * EXCLAIM_INCR
    if "?" in text:
        q = text.count("?")
        if q > 1:
            boost += q * QUESTION_INCR if q <= 3 else QUESTION_MAX
    return boost


def _token_lists(
    texts: Sequence[str | None], max_chars: int = 5000
) -> tuple[list[list[str]], list[list[bool] | None], list[float]]:
    """(folded words and clause marks of each text, which of them were in capitals (None: no
    emphasis of capitals in that text), the punctuation emphasis of each text); texts cut to
    ``max_chars``. VADER's emoticons standing between spaces become placeholder words."""
    hint, emo = _emoticon_scan()
    cleaned = clean_texts(texts, max_chars, newline=" . ")
    boosts = [0.0] * len(cleaned)
    has_caps = [False] * len(cleaned)
    for k, t in enumerate(cleaned):
        if "!" in t or "?" in t:
            boosts[k] = _punctuation_boost(t)
        if _CAPS_HINT.search(t) is not None:
            marked = _mark_caps(t)
            if marked is not None:
                t = cleaned[k] = marked
                has_caps[k] = True
        if hint.search(t) is not None:
            parts = t.split()
            lows = [p.lower() for p in parts]
            if not emo.keys().isdisjoint(lows):
                cleaned[k] = " ".join(emo.get(w, p) for p, w in zip(parts, lows, strict=True))
    raw = latin1_bytes("\n".join(cleaned).lower())
    for c in _SENTENCE:
        mark = bytes([c])
        if mark in raw:
            raw = raw.replace(mark, b" " + mark + b" ")
    joined = raw.translate(_SENT_TABLE).decode("ascii")
    docs = [d.split() for d in joined.split("\x01")]
    caps: list[list[bool] | None] = [None] * len(docs)
    cut = len(_CAPS_PREFIX)
    for k, flag in enumerate(has_caps):
        if flag:
            toks = docs[k]
            marks = [t.startswith(_CAPS_PREFIX) for t in toks]
            docs[k] = [t[cut:] if m else t for t, m in zip(toks, marks, strict=True)]
            caps[k] = marks
    return docs, caps, boosts


# --------------------------------------------------------------------------------- scoring


def _score_tokens(
    toks: list[str], lex: Lexicon, caps: list[bool] | None = None, boost: float = 0.0
) -> tuple[float, float, float, list[str]]:
    """(sum, positive sum, negative sum, feature words) of one text's tokens; ``caps`` flags
    the tokens written in capitals, ``boost`` is the punctuation emphasis."""
    words, phrases = lex.words, lex.phrases
    total = pos = neg = 0.0
    weight = 1.0
    neg_left = ne_left = int_left = 0
    neg_factor = int_factor = 1.0
    neg_word = ""
    int_caps = False
    feats: list[str] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        if t == _MARK:
            neg_left = ne_left = int_left = 0
            i += 1
            continue
        polarity: float | None = None
        mod: int | None = None
        factor = 1.0
        step = 1
        own_negation = False
        cands = phrases.get(t)
        if cands is not None:
            for rest, kind, value in cands:
                k = len(rest)
                if tuple(toks[i + 1 : i + 1 + k]) == rest:
                    step = k + 1
                    if kind == _TERM:
                        polarity = value
                        # "pas reçu", "jamais arrivé", "aucun problème": the phrase holds its
                        # negation, so an open "ne" does not turn it round again
                        own_negation = any(
                            (w := words.get(x)) is not None and w[1] in (_NEG, _NEG_AFTER_NE)
                            for x in (t, *rest)
                        )
                    else:
                        mod, factor = kind, value
                    break
        if step == 1:
            entry = words.get(t)
            if entry is None and len(t) > 3 and t[-1] == "s":
                # plural or third person: "loves", "deçues" read as "love", "déçue"
                entry = words.get(t[:-1])
            if entry is not None:
                polarity, mod, factor = entry
                if polarity is not None and mod is not None:
                    # a word both polar and a modifier ("super", "no"): a modifier when a
                    # polar word follows it
                    nxt = toks[i + 1] if i + 1 < n else ""
                    nxt_entry = words.get(nxt)
                    if (nxt_entry is not None and nxt_entry[0] is not None) or nxt in phrases:
                        polarity = None
                    else:
                        mod = None
        if mod == _NEG_AFTER_NE and ne_left <= 0:
            mod = None
        if neg_left > 0 and neg_word in _NEVER and t in _SO:
            # "jamais été aussi déçu", "never so happy": VADER's "never so" rule, an
            # emphasis rather than a negation
            neg_left = 0
            int_left, int_factor, int_caps = INTENSIFIER_WINDOW, NEVER_SO, False
            feats.append(t)
            i += 1
            continue
        if mod is not None and polarity is None:
            if mod == _NEG or mod == _NEG_AFTER_NE:
                neg_left, neg_factor, neg_word = NEGATION_WINDOW, factor, t
                if t in _NE:
                    ne_left = NEGATION_WINDOW
            elif mod == _INTENS:
                int_left, int_factor = INTENSIFIER_WINDOW, factor
                int_caps = caps is not None and caps[i]
            else:  # contrast
                total *= CONTRAST_BEFORE
                pos *= CONTRAST_BEFORE
                neg *= CONTRAST_BEFORE
                weight = CONTRAST_AFTER
                neg_left = ne_left = int_left = 0
            feats.extend(toks[i : i + step])
            i += step
            continue
        negated = neg_left > 0 and not own_negation
        if own_negation:
            neg_left = ne_left = 0
        if polarity is not None:
            if caps is not None and caps[i] and polarity:
                polarity += CAPS_INCR if polarity > 0 else -CAPS_INCR
            v = polarity * weight
            if int_left > 0:
                v *= int_factor
                if int_caps and v:
                    v += CAPS_INCR if v > 0 else -CAPS_INCR
                int_left = 0
            if negated:
                v *= neg_factor
            total += v
            if v > 0:
                pos += v
            else:
                neg += v
        for j in range(i, i + step):
            feats.append("!" + toks[j] if negated else toks[j])
        neg_left -= step
        ne_left -= step
        int_left -= step
        i += step
    if boost and total:
        # VADER: punctuation adds to the sum in its direction, and to the larger of the sums
        total += boost if total > 0 else -boost
        if pos >= -neg:
            pos += boost
        else:
            neg -= boost
    return total, pos, neg, feats


def _normalise(s: np.ndarray) -> np.ndarray:
    return s / np.sqrt(s * s + ALPHA)


def language_key(code: str | None) -> str:
    """ "fr", "en" or "other" for a declared language ("fr-FR", "EN", "English", "es"…)."""
    return _lang_key(code)


#: Language names written out, as a language column may hold them.
_LANGUAGE_NAMES = {
    "english": "en",
    "anglais": "en",
    "englisch": "en",
    "ingles": "en",
    "inglés": "en",
    "french": "fr",
    "francais": "fr",
    "français": "fr",
    "franzosisch": "fr",
    "französisch": "fr",
    "frances": "fr",
    "francés": "fr",
}


def _lang_key(code: str | None) -> str:
    if not isinstance(code, str):
        return "other"
    name = code.strip().lower()
    if name in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[name]
    key = name[:2]
    return key if key in ("fr", "en") else "other"


def _analyse(
    texts: Sequence[str | None], languages: Sequence[str | None] | str | None
) -> tuple[np.ndarray, list[list[str]]]:
    """Lexicon features [n × 3] (score, positive, negative, each in [−1, 1]) and the feature
    words of each text."""
    sums, feats = _sums(texts, languages)
    return _normalise(sums), feats


def lexicon_sums(
    texts: Sequence[str | None], languages: Sequence[str | None] | str | None
) -> np.ndarray:
    """The lexicon sum s of each text before it is mapped to [−1, 1] (to choose
    :data:`ALPHA` and :data:`THRESHOLD`: the score is s / sqrt(s² + ALPHA))."""
    return _sums(texts, languages)[0][:, 0]


def _sums(
    texts: Sequence[str | None], languages: Sequence[str | None] | str | None
) -> tuple[np.ndarray, list[list[str]]]:
    """Lexicon sums [n × 3] (total, positive, negative) and the feature words of each text."""
    n = len(texts)
    if isinstance(languages, str) or languages is None:
        langs: Sequence[str | None] = [languages] * n
    else:
        langs = languages
        if len(langs) != n:
            raise ValueError(f"languages has {len(langs)} items for {n} texts")
    lexicons = {key: lexicon(key) for key in ("fr", "en", "other")}
    sums = np.zeros((n, 3))
    feats: list[list[str]] = []
    docs, caps, boosts = _token_lists(texts)
    for k, (toks, code) in enumerate(zip(docs, langs, strict=True)):
        total, pos, neg, f = _score_tokens(toks, lexicons[_lang_key(code)], caps[k], boosts[k])
        sums[k, 0], sums[k, 1], sums[k, 2] = total, pos, neg
        feats.append(f)
    return sums, feats


def lexicon_scores(
    texts: Sequence[str | None], languages: Sequence[str | None] | str | None
) -> np.ndarray:
    """Lexicon polarity of each text in [−1, 1] (0 for an empty text or no polar word)."""
    features, _ = _analyse(texts, languages)
    return features[:, 0]


def _labels_of(scores: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    return np.where(scores >= threshold, 1, np.where(scores <= -threshold, -1, 0)).astype(np.int8)


# ---------------------------------------------------------------------------------- labels


def label_from_score(metric: str, score: int | float) -> int | None:
    """−1 / 0 / +1 from a rated answer, or None when its score teaches no label: NPS 0–4 /
    5–6 none / 7–8 / 9–10; CSAT 1–2 / 3 / 4–5; CES (1–7, 7 = very easy) 1–3 / 4 / 5–7.
    ValueError for another metric or an out-of-range score."""
    cuts = LABEL_CUTS.get(str(metric).strip().lower())
    if cuts is None:
        raise ValueError(f"unknown metric {metric!r}: expected one of {sorted(LABEL_CUTS)}")
    low, high, neg_to, none_to, neutral_to = cuts
    if not (low <= score <= high):
        raise ValueError(f"{metric} score {score!r} outside {low}–{high}")
    if score <= neg_to:
        return -1
    if score <= none_to:
        return None
    return 0 if score <= neutral_to else 1


def labels_from_scores(metrics: Sequence[str], scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """:func:`label_from_score` over arrays (int8, :data:`NO_LABEL` where the score teaches
    none); ValueError on any invalid pair."""
    m = np.asarray(metrics, dtype=object)
    s = np.asarray(scores, dtype=float)
    if m.shape != s.shape:
        raise ValueError("metrics and scores differ in length")
    out = np.zeros(s.shape, dtype=np.int8)
    seen = np.zeros(s.shape, dtype=bool)
    for metric, (low, high, neg_to, none_to, neutral_to) in LABEL_CUTS.items():
        sel = m == metric
        if not sel.any():
            continue
        v = s[sel]
        if ((v < low) | (v > high) | np.isnan(v)).any():
            raise ValueError(f"{metric} score outside {low}–{high}")
        out[sel] = np.where(
            v <= neg_to,
            -1,
            np.where(v <= none_to, NO_LABEL, np.where(v <= neutral_to, 0, 1)),
        )
        seen |= sel
    if not seen.all():
        bad = sorted({str(x) for x in m[~seen]})
        raise ValueError(f"unknown metric(s) {bad}: expected one of {sorted(LABEL_CUTS)}")
    return out


# --------------------------------------------------------------------------------- clauses

_SPLIT_RE = re.compile(
    r"[.!?;\u2026]+(?=\s|$)|[\r\n]+|\b(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(SPLIT_WORDS, key=len)[::-1])
    + r")\b",
    re.IGNORECASE,
)


def split_clauses(text: str | None) -> list[str]:
    """The clauses of a verbatim: split on . ! ? ; … (followed by a space or the end), line
    breaks and the contrast words of :data:`SPLIT_WORDS` (dropped); stripped, empty parts
    and lone punctuation left out."""
    if not isinstance(text, str) or not text.strip():
        return []
    parts = _SPLIT_RE.split(text)
    out: list[str] = []
    for p in parts:
        p = p.strip(" \t,:-–—")
        if p and any(c.isalnum() for c in p):
            out.append(p)
    return out


# ----------------------------------------------------------------------------------- model


def _ngrams(words: list[str]) -> list[str]:
    """Unigrams and bigrams of a list of feature words (the vectoriser's analyser)."""
    return words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]


def key_hashes(sources: Sequence[Any], response_ids: Sequence[Any]) -> np.ndarray:
    """A stable 64-bit hash (BLAKE2b) of each answer's key ``source, response_id`` (uint64):
    the same answer gets the same hash, and so the same fold, in every process and run."""
    if len(sources) != len(response_ids):
        raise ValueError("sources and response ids differ in length")
    digest = b"".join(
        hashlib.blake2b(f"{s}\x1f{r}".encode(), digest_size=8).digest()
        for s, r in zip(sources, response_ids, strict=True)
    )
    return np.frombuffer(digest, dtype="<u8").astype(np.uint64)


@dataclass
class FitReport:
    """How the sentiment model was made and how well it predicts the scores' labels.

    ``model`` is "fitted" or "lexicon" (the shipped lexicon: ``reason`` says why, and
    ``reason_code`` / ``reason_args`` let a page say it in its language: "few_texts"
    {n, min}, "missing_labels" {present, missing}, "few_per_label" {label, n, min}).
    ``texts`` texts had a label (``negative``, ``neutral``, ``positive`` of each) and
    ``unlabelled`` had a score that teaches none. ``accuracy`` and ``macro_f1`` are
    cross-validated (out-of-fold predictions over ``folds`` folds, scikit-learn's
    ``accuracy_score`` and ``f1_score(average="macro")``); ``lexicon_accuracy`` and
    ``lexicon_macro_f1`` are the shipped lexicon's on the same texts (never fitted on them)."""

    model: str = "lexicon"
    reason: str = ""
    reason_code: str = ""
    reason_args: dict[str, Any] = field(default_factory=dict)
    texts: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    unlabelled: int = 0
    folds: int = 0
    accuracy: float | None = None
    macro_f1: float | None = None
    lexicon_accuracy: float | None = None
    lexicon_macro_f1: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "reason_args": dict(self.reason_args),
            "texts": self.texts,
            "negative": self.negative,
            "neutral": self.neutral,
            "positive": self.positive,
            "unlabelled": self.unlabelled,
            "folds": self.folds,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "lexicon_accuracy": self.lexicon_accuracy,
            "lexicon_macro_f1": self.lexicon_macro_f1,
        }


def _fallback(
    y: np.ndarray, min_train: int, min_per_label: int
) -> tuple[str, dict[str, Any], str] | None:
    """(code, arguments, English reason) when no model can be fitted on labels ``y``."""
    n = int(y.size)
    if n < min_train:
        return (
            "few_texts",
            {"n": n, "min": min_train},
            f"fewer than {min_train} texts with a clear label to learn from ({n})",
        )
    present = [k for k in (-1, 0, 1) if (y == k).any()]
    if len(present) < 3:
        have = [LABEL_NAMES[k] for k in present]
        missing = [LABEL_NAMES[k] for k in (-1, 0, 1) if k not in present]
        return (
            "missing_labels",
            {"present": have, "missing": missing},
            f"only {' and '.join(have)} answers: no {' or '.join(missing)} text to learn from",
        )
    for k in (-1, 0, 1):
        count = int((y == k).sum())
        if count < min_per_label:
            name = LABEL_NAMES[k]
            return (
                "few_per_label",
                {"label": name, "n": count, "min": min_per_label},
                f"only {count} {name} texts: at least {min_per_label} of each label are "
                "needed to learn from",
            )
    return None


def _fit_xy(lex: np.ndarray, feats: list[list[str]], y: np.ndarray, c: float) -> tuple[Any, Any]:
    """The vectoriser and the classifier fitted on these texts' features."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_ngrams, min_df=2, sublinear_tf=True, dtype=np.float32)
    x_words = vectorizer.fit_transform(feats)
    x = sparse.hstack([x_words, sparse.csr_matrix(lex)], format="csr")
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    classifier.fit(x, y)
    return vectorizer, classifier


def _scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """(accuracy, macro-F1 over the labels present in ``y``), rounded to 4 places."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(y.tolist()))
    return (
        round(float(accuracy_score(y, pred)), 4),
        round(float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)), 4),
    )


@dataclass
class SentimentModel:
    """Polarity model: the lexicon alone, or a logistic regression fitted on rated verbatims.

    Build with :meth:`lexicon_only`, :meth:`fit` or :meth:`cross_fit`; predict with
    :meth:`predict`; store with :meth:`to_bytes` / :meth:`from_bytes` (pickle: load only bytes
    this application wrote)."""

    vectorizer: Any = None
    classifier: Any = None
    threshold: float = THRESHOLD
    n_train: int = 0
    reason: str = "lexicon only"
    classes: tuple[int, ...] = field(default=(-1, 0, 1))
    #: The models fitted without each fold (cross-fitting), and the sorted key hashes of the
    #: texts fitted on (their fold is hash % len(fold_models)).
    fold_models: tuple[SentimentModel, ...] = ()
    fitted_keys: Any = None
    report: FitReport | None = None

    @property
    def fitted(self) -> bool:
        """True when a classifier was fitted (False: the lexicon alone)."""
        return self.classifier is not None

    @classmethod
    def lexicon_only(cls, threshold: float = THRESHOLD) -> SentimentModel:
        """The lexicon score with its neutral band ±``threshold``."""
        return cls(threshold=threshold)

    @staticmethod
    def _check(texts: Sequence[str | None], labels: Sequence[int] | np.ndarray) -> np.ndarray:
        y = np.asarray(labels, dtype=np.int64)
        if y.shape[0] != len(texts):
            raise ValueError(f"{y.shape[0]} labels for {len(texts)} texts")
        if not np.isin(y, (-1, 0, 1, NO_LABEL)).all():
            raise ValueError(f"labels must be -1, 0, +1 or NO_LABEL ({NO_LABEL})")
        return y

    @staticmethod
    def _subset(
        texts: Sequence[str | None], languages: Sequence[str | None] | str | None, idx: list[int]
    ) -> tuple[list[str | None], Sequence[str | None] | str | None]:
        sub_texts = [texts[i] for i in idx]
        if isinstance(languages, str) or languages is None:
            return sub_texts, languages
        return sub_texts, [languages[i] for i in idx]

    @classmethod
    def fit(
        cls,
        texts: Sequence[str | None],
        languages: Sequence[str | None] | str | None,
        labels: Sequence[int] | np.ndarray,
        *,
        min_train: int = MIN_TRAIN,
        min_per_label: int = MIN_PER_LABEL,
        c: float = 2.0,
    ) -> SentimentModel:
        """Fit on texts with labels −1/0/+1 (see :func:`label_from_score`); empty texts and
        texts labelled :data:`NO_LABEL` are left out. Falls back to :meth:`lexicon_only`
        (``reason`` says why) with fewer than ``min_train`` texts, a label missing or fewer
        than ``min_per_label`` texts of one. Its predictions on the texts it was fitted on
        are in-sample: to store figures, use :meth:`cross_fit`."""
        y = cls._check(texts, labels)
        keep = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
        keep &= y != NO_LABEL
        idx: list[int] = np.flatnonzero(keep).tolist()
        n = len(idx)
        why = _fallback(y[idx], min_train, min_per_label)
        if why is not None:
            return cls(reason=f"lexicon only: {why[2]}", n_train=n)
        sub_texts, sub_langs = cls._subset(texts, languages, idx)
        lex, feats = _analyse(sub_texts, sub_langs)
        vectorizer, classifier = _fit_xy(lex, feats, y[idx], c)
        return cls(
            vectorizer=vectorizer,
            classifier=classifier,
            n_train=n,
            reason=f"fitted on {n} labelled texts",
            classes=tuple(int(k) for k in classifier.classes_),
        )

    @classmethod
    def cross_fit(
        cls,
        texts: Sequence[str | None],
        languages: Sequence[str | None] | str | None,
        labels: Sequence[int] | np.ndarray,
        keys: Sequence[int] | np.ndarray,
        *,
        folds: int = FOLDS,
        min_train: int = MIN_TRAIN,
        min_per_label: int = MIN_PER_LABEL,
        c: float = 2.0,
    ) -> SentimentModel:
        """:meth:`fit` on every text, plus one model fitted without each of ``folds`` folds
        (a text's fold: its key hash from :func:`key_hashes` modulo ``folds``). Predicting
        with these ``keys`` gives each text fitted on its out-of-fold polarity. ``report``
        holds the cross-validated accuracy and macro-F1, the label counts and, for the
        lexicon fall-back, why."""
        if folds < 2:
            raise ValueError("cross-fitting needs at least 2 folds")
        y = cls._check(texts, labels)
        h = np.asarray(keys, dtype=np.uint64)
        if h.shape[0] != len(texts):
            raise ValueError(f"{h.shape[0]} keys for {len(texts)} texts")
        has_text = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
        usable = has_text & (y != NO_LABEL)
        idx: list[int] = np.flatnonzero(usable).tolist()
        yy = y[idx]
        report = FitReport(
            texts=len(idx),
            negative=int((yy == -1).sum()),
            neutral=int((yy == 0).sum()),
            positive=int((yy == 1).sum()),
            unlabelled=int((has_text & (y == NO_LABEL)).sum()),
        )
        sub_texts, sub_langs = cls._subset(texts, languages, idx)
        lex, feats = _analyse(sub_texts, sub_langs)
        if idx:
            lexicon_pred = _labels_of(lex[:, 0].astype(float))
            lexicon_pred[np.array([not f for f in feats], dtype=bool)] = 0
            report.lexicon_accuracy, report.lexicon_macro_f1 = _scores(yy, lexicon_pred)
        why = _fallback(yy, min_train, min_per_label)
        if why is not None:
            report.reason_code, report.reason_args, report.reason = why
            return cls(reason=f"lexicon only: {why[2]}", n_train=len(idx), report=report)
        vectorizer, classifier = _fit_xy(lex, feats, yy, c)
        classes = tuple(int(k) for k in classifier.classes_)
        fold = (h[idx] % np.uint64(folds)).astype(np.int64)
        oof = np.zeros(len(idx), dtype=np.int64)
        fold_models: list[SentimentModel] = []
        for j in range(folds):
            train = np.flatnonzero(fold != j)
            test = np.flatnonzero(fold == j)
            v, m = _fit_xy(lex[train], [feats[i] for i in train.tolist()], yy[train], c)
            model = cls(
                vectorizer=v,
                classifier=m,
                n_train=int(train.size),
                reason=f"fitted without fold {j}",
                classes=tuple(int(k) for k in m.classes_),
            )
            fold_models.append(model)
            if test.size:
                oof[test] = model._predict_features(lex[test], [feats[i] for i in test.tolist()])[0]
        report.model = "fitted"
        report.folds = folds
        report.accuracy, report.macro_f1 = _scores(yy, oof)
        return cls(
            vectorizer=vectorizer,
            classifier=classifier,
            n_train=len(idx),
            reason=f"fitted on {len(idx)} labelled texts",
            classes=classes,
            fold_models=tuple(fold_models),
            fitted_keys=np.unique(h[idx]),
            report=report,
        )

    def folds_of(self, keys: Sequence[int] | np.ndarray | None, n: int) -> np.ndarray:
        """The fold model of each of ``n`` texts: its fold for a text fitted on, −1 (the
        model fitted on all) for any other text or without keys."""
        out = np.full(n, -1, dtype=np.int64)
        stored = self.fitted_keys
        if keys is None or not self.fold_models or stored is None or not len(stored):
            return out
        h = np.asarray(keys, dtype=np.uint64)
        if h.shape[0] != n:
            raise ValueError(f"{h.shape[0]} keys for {n} texts")
        pos = np.minimum(np.searchsorted(stored, h), len(stored) - 1)
        seen = stored[pos] == h
        out[seen] = (h[seen] % np.uint64(len(self.fold_models))).astype(np.int64)
        return out

    def _predict_features(
        self, lex: np.ndarray, feats: list[list[str]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(labels, scores) of a fitted classifier from the lexicon features and words."""
        x = sparse.hstack([self.vectorizer.transform(feats), sparse.csr_matrix(lex)], format="csr")
        proba = self.classifier.predict_proba(x)
        cls = np.asarray(self.classes)
        labels = cls[proba.argmax(axis=1)].astype(np.int8)
        scores = proba[:, cls == 1].sum(axis=1) - proba[:, cls == -1].sum(axis=1)
        return labels, scores

    def predict(
        self,
        texts: Sequence[str | None],
        languages: Sequence[str | None] | str | None,
        keys: Sequence[int] | np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(labels int8 −1/0/+1, scores float in [−1, 1]) per text; an empty text gets 0, 0.

        With ``keys`` (:func:`key_hashes` of the texts' answers), a text the model was
        cross-fitted on is predicted by the model fitted without its fold."""
        n = len(texts)
        if n == 0:
            return np.zeros(0, dtype=np.int8), np.zeros(0)
        lex, feats = _analyse(texts, languages)
        if not self.fitted:
            scores = lex[:, 0].astype(float)
            labels = _labels_of(scores, self.threshold)
        else:
            which = self.folds_of(keys, n)
            labels = np.zeros(n, dtype=np.int8)
            scores = np.zeros(n)
            for j in np.unique(which).tolist():
                rows = np.flatnonzero(which == j)
                model = self if j < 0 else self.fold_models[j]
                if rows.size == n:
                    labels, scores = model._predict_features(lex, feats)
                    break
                part = [feats[i] for i in rows.tolist()]
                labels[rows], scores[rows] = model._predict_features(lex[rows], part)
        empty = np.array([not f for f in feats], dtype=bool)
        labels[empty] = 0
        scores[empty] = 0.0
        return labels, np.clip(scores, -1.0, 1.0)

    def forget(self, words: set[str]) -> set[str]:
        """Take ``words`` (tokens as :func:`cxpilot.verbatims.normalise.tokens` writes them)
        out of the vocabulary of this model and of its fold models: every feature made of one
        of them (the word, the word negated, a pair of words with it) is renamed to a key no
        text can produce, so it never counts again and its text is gone; the other features
        and the weights are kept. Returns the words that were in a vocabulary."""
        held: set[str] = set()
        for model in (self, *self.fold_models):
            vectorizer = model.vectorizer
            vocabulary = getattr(vectorizer, "vocabulary_", None)
            if not vocabulary:
                continue
            renamed: dict[str, int] = {}
            for feature, column in vocabulary.items():
                named = {p.removeprefix("!") for p in feature.split(" ")} & words
                if named:
                    renamed[f"\x00forgotten-{column}"] = column
                    held |= named
                else:
                    renamed[feature] = column
            vectorizer.vocabulary_ = renamed
        return held

    def to_bytes(self) -> bytes:
        """The model pickled (trusted storage only)."""
        return pickle.dumps({"format": "cxpilot.sentiment/1", "model": self}, protocol=5)

    @classmethod
    def from_bytes(cls, data: bytes) -> SentimentModel:
        """A model from :meth:`to_bytes` (pickle: load only bytes this application wrote)."""
        obj = pickle.loads(data)  # noqa: S301 - our own stored model
        if not (isinstance(obj, dict) and obj.get("format") == "cxpilot.sentiment/1"):
            raise ValueError("not a stored sentiment model")
        model = obj["model"]
        if not isinstance(model, cls):
            raise ValueError("not a stored sentiment model")
        return model


__all__ = [
    "FOLDS",
    "LABEL_CUTS",
    "LABEL_NAMES",
    "NO_LABEL",
    "SPLIT_WORDS",
    "THRESHOLD",
    "FitReport",
    "Lexicon",
    "SentimentModel",
    "key_hashes",
    "label_from_score",
    "labels_from_scores",
    "language_key",
    "lexicon",
    "lexicon_scores",
    "lexicon_sums",
    "split_clauses",
]
