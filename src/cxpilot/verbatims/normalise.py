"""Words to features: the shared front end of theme discovery and assignment.

A verbatim is lower-cased and split into words (French elisions cut off: l'accueil ->
accueil; English contractions undone: don't -> do not, I've -> I have), each word folded
(accents removed); stop words are dropped (CX Pilot's lists of tone words and
stopwords-iso's generic words, ``data/stopwords_iso.yaml``, except the glossary's words),
the rest are stemmed with the Snowball stemmer of the verbatim's language, and each stem that
the bilingual glossary (``data/concepts.yaml``) knows becomes a concept feature ``c:<concept>``
shared by French and English; other stems stay language-specific (``fr:<stem>``,
``en:<stem>``). Pure Python, cached per distinct word, so a batch runs at hundreds of
thousands of words a second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import snowballstemmer
import yaml

__all__ = ["LANGUAGES", "Featuriser", "fold", "tokens", "words"]

LANGUAGES = ("fr", "en")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_STEMMERS = {"fr": "french", "en": "english"}
#: French words cut before a vowel (folded): l'accueil, qu'il, jusqu'à, lorsqu'on.
_ELIDED = frozenset("c d j l m n s t qu jusqu lorsqu puisqu quoiqu presqu quelqu".split())
#: English contracted endings and the words they stand for ('s: is or a possessive: nothing).
_CONTRACTED = {
    "s": (),
    "re": ("are",),
    "ve": ("have",),
    "ll": ("will",),
    "d": ("would",),
    "m": ("am",),
}
#: n't after these is not the word without its n: won't = will not, can't = can not.
_NOT_BASE = {"won": "will", "can": "can", "shan": "shall", "ain": "is"}


def fold(text: str) -> str:
    """Lower case without accents or ligatures ("Élan Œuvre" -> "elan oeuvre")."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def tokens(text: str) -> list[str]:
    """The words of ``text`` as written, lower-cased (accents kept), French elisions cut off
    and English contractions undone ("L'accueil n'était pas top, I don't think I'll come back"
    -> accueil était pas top i do not think i will come back)."""
    out: list[str] = []
    for word in _WORD.findall(text.lower().replace("’", "'").replace("`", "'")):
        if "'" in word:
            out.extend(_unapostrophe(word))
        else:
            out.append(word)
    return out


@lru_cache(maxsize=100_000)
def _unapostrophe(word: str) -> tuple[str, ...]:
    head, _, tail = word.partition("'")
    folded = fold(head)
    if folded in _ELIDED:
        return (tail,)
    if tail == "t" and folded.endswith("n") and len(folded) > 1:
        return (_NOT_BASE.get(folded, head[:-1]), "not")
    if tail in _CONTRACTED:
        return (head, *_CONTRACTED[tail])
    return (word,)  # aujourd'hui, o'clock: one word


def words(text: str) -> list[str]:
    """The folded words of ``text`` (see :func:`tokens`)."""
    return [_folded(word) for word in tokens(text)]


@lru_cache(maxsize=200_000)
def _folded(word: str) -> str:
    return fold(word)


def _data(name: str) -> Any:
    return yaml.safe_load(
        resources.files("cxpilot.verbatims").joinpath("data", name).read_text("utf-8")
    )


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    raw = _data("stopwords.yaml")
    iso = _data("stopwords_iso.yaml")
    keep = frozenset(iso["keep"].split())
    concepts = _concepts()
    return {
        lang: frozenset(raw[lang].split())
        | frozenset(raw[f"tone_{lang}"].split())
        | (frozenset(iso[lang].split()) - keep - concepts[lang].keys())
        for lang in LANGUAGES
    }


@cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(_STEMMERS[language])


@cache
def _concepts() -> dict[str, dict[str, str]]:
    """language -> stem -> concept (the first concept listing a stem keeps it)."""
    out: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for concept, by_lang in _data("concepts.yaml").items():
        for lang in LANGUAGES:
            for entry in by_lang.get(lang, []):
                entry = fold(str(entry))
                if " " in entry:
                    continue
                stem = _stemmer(lang).stemWord(entry)
                out[lang].setdefault(stem, concept)
                out[lang].setdefault(entry, concept)
    return out


class Featuriser:
    """Turns verbatims into feature lists and remembers the words behind each feature.

    ``surface[language][feature]`` counts the words that produced a feature, so a theme can be
    labelled with real words of each language ("livraison", "delivery").
    """

    def __init__(self, *, remember: bool = False) -> None:
        self.remember = remember
        self.surface: dict[str, dict[str, dict[str, int]]] = {lang: {} for lang in LANGUAGES}
        self._cache: dict[tuple[str, str], str | None] = {}
        self._stop = _stopwords()
        self._all_stop = self._stop["fr"] | self._stop["en"]
        self._concepts = _concepts()

    def feature(self, word: str, language: str) -> str | None:
        key = (word, language)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found: str | None
        if len(word) < 2 or word.isdigit():
            found = None
        elif language in LANGUAGES:
            if word in self._stop[language]:
                found = None
            else:
                concept = self._concepts[language].get(word)
                stem = _stemmer(language).stemWord(word)
                concept = concept or self._concepts[language].get(stem)
                found = f"c:{concept}" if concept else f"{language}:{stem}"
        else:
            found = None if word in self._all_stop else f"xx:{word}"
        self._cache[key] = found
        return found

    def features(self, text: str | None, language: str) -> list[str]:
        if not text:
            return []
        out = []
        for written in tokens(text):
            feature = self.feature(_folded(written), language)
            if feature is None:
                continue
            out.append(feature)
            if self.remember and language in LANGUAGES:
                counts = self.surface[language].setdefault(feature, {})
                counts[written] = counts.get(written, 0) + 1
        return out

    def batch(self, texts: Sequence[str | None], languages: Sequence[str]) -> list[list[str]]:
        return [self.features(t, lang) for t, lang in zip(texts, languages, strict=True)]

    def words_of(self, feature: str, language: str, limit: int = 1) -> list[str]:
        """The commonest words behind ``feature`` in ``language`` (most frequent first)."""
        counts = self.surface.get(language, {}).get(feature, {})
        return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def merge_surfaces(parts: Iterable[Featuriser]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {lang: {} for lang in LANGUAGES}
    for part in parts:
        for lang, feats in part.surface.items():
            for feature, counts in feats.items():
                target = out[lang].setdefault(feature, {})
                for word, n in counts.items():
                    target[word] = target.get(word, 0) + n
    return out
