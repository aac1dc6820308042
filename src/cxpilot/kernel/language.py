"""Language of short texts (customer verbatims, survey questions): French, English or other,
offline and vectorised. The one language detector of CX Pilot.

Method (a word-profile classifier in the spirit of Grefenstette 1995, "Comparing two language
identification schemes", JADT; and of the stop-word profiles of Cavnar & Trenkle 1994):

1. Each text is lower-cased; ß, œ and æ are spelled out; accented Latin-1 letters are folded
   to their base letter (the first character of their Unicode NFKD decomposition); every
   other character becomes a space and the text is split into words.
2. Word evidence: every word found in the hand-written lists of
   ``data/language/<lang>.txt`` (function words plus common customer-feedback words for
   fr, en, es, de, it, pt, nl) adds its weight to that language. A word listed for several
   languages counts for each of them, so it only separates those from the rest.
   A word in no list adds the weight of its longest ending listed in
   ``data/language/suffixes.txt`` (-ing, -ness for English; -eux, -aient for French; -ung,
   -heit for German; -ción, -zione, -ção, -lijk…), if the word is two letters longer than it.
3. Character evidence, counted on the un-folded text: accented letters typical of a language
   (é è ê ç for French, ñ ¿ ¡ for Spanish, ä ö ü ß for German, ã õ for Portuguese, ò ì for
   Italian…, weights in :data:`CHAR_CUES`) and letters of non-Latin scripts (Greek, Cyrillic,
   Hebrew, Arabic, Indic, CJK, Hangul: "other").
4. ``declared`` (the survey language of the response) adds :data:`PRIOR` — half a word — to
   its language: it breaks ties and decides texts without evidence, but one distinctive word
   of another language outweighs it.
5. The answer is the language of the highest score (ties go to French, then English), mapped
   to "fr", "en" or "other"; "" for an empty or blank text (or None); "other" for a text with
   no evidence at all and no declared language (e.g. "10/10").

All batch work (lower-casing, folding, splitting, counting) runs as a few C-level string
operations on the joined batch (a Latin-1 encode and a byte ``translate``) and numpy
``bincount`` calls; the per-word Python steps are a ``dict.get`` through ``map`` and, for
words in no list, the slicing of their endings. Texts are cut to :data:`MAX_CHARS` characters for detection.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from itertools import repeat

import numpy as np

#: Languages scored; the first two are answered by name, the others as "other".
LANGUAGES: tuple[str, ...] = ("fr", "en", "es", "de", "it", "pt", "nl")
ANSWERED: tuple[str, ...] = ("fr", "en")
OTHER = "other"
#: Column of the non-Latin-script evidence (after the languages).
_SCRIPT = len(LANGUAGES)
_COLUMNS = len(LANGUAGES) + 1

#: Weight added to the declared language.
PRIOR = 0.5
#: Only the first characters of a text are read.
MAX_CHARS = 2000
#: Weight of one letter of a non-Latin script.
SCRIPT_WEIGHT = 0.5

#: Accented letters and the languages they suggest, with weights.
CHAR_CUES: dict[str, dict[str, float]] = {
    "é": {"fr": 0.6, "es": 0.2, "pt": 0.2, "it": 0.1},
    "è": {"fr": 0.6, "it": 0.4},
    "ê": {"fr": 0.8, "pt": 0.3},
    "ë": {"fr": 0.4, "nl": 0.4},
    "à": {"fr": 0.6, "it": 0.3, "pt": 0.2},
    "â": {"fr": 0.7, "pt": 0.3},
    "î": {"fr": 0.8},
    "ï": {"fr": 0.5, "nl": 0.4},
    "ô": {"fr": 0.7, "pt": 0.3},
    "û": {"fr": 0.8},
    "ù": {"fr": 0.6, "it": 0.4},
    "ç": {"fr": 0.6, "pt": 0.6},
    "ñ": {"es": 1.0},
    "¿": {"es": 1.0},
    "¡": {"es": 1.0},
    "á": {"es": 0.6, "pt": 0.6},
    "í": {"es": 0.6, "pt": 0.5},
    "ó": {"es": 0.6, "pt": 0.5},
    "ú": {"es": 0.6, "pt": 0.4},
    "ã": {"pt": 1.0},
    "õ": {"pt": 1.0},
    "ä": {"de": 1.0},
    "ö": {"de": 1.0},
    "ü": {"de": 0.9, "es": 0.1},
    "ß": {"de": 1.0},
    "ò": {"it": 1.0},
    "ì": {"it": 1.0},
}

#: Spelled out before folding (NFKD has no decomposition for them); quotes become spaces.
_SPELL: tuple[tuple[str, str], ...] = (
    ("ß", "ss"),
    ("œ", "oe"),
    ("æ", "ae"),
    ("ø", "o"),
    ("ł", "l"),
    ("\u2019", " "),
    ("\u2018", " "),
    ("\u00b4", " "),
    ("\u00ab", " "),
    ("\u00bb", " "),
    ("\u201c", " "),
    ("\u201d", " "),
    ("\u2013", " "),
    ("\u2014", " "),
    ("\u2026", "..."),
)

#: Letters of non-Latin scripts (Greek to Ethiopic; kana and CJK ideographs; Hangul).
_SCRIPT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0370, 0x1400),
    (0x3040, 0xA000),
    (0xAC00, 0xD7B0),
)
_SCRIPT_BYTE = 0x02
_SEP_BYTE = 0x01
_SEP = bytes([_SEP_BYTE])


def _script_errors(exc: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: a letter of a non-Latin script becomes \\x02, anything else that
    Latin-1 cannot hold a space (called once per run of such characters)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    run = exc.object[exc.start : exc.end]
    out = "".join(
        "\x02" if any(lo <= ord(c) < hi for lo, hi in _SCRIPT_RANGES) else " " for c in run
    )
    return out, exc.end


codecs.register_error("cxpilot_text_script", _script_errors)


def _fold_table() -> bytes:
    """Latin-1 byte -> folded byte: a-z kept, accented letters to their base letter (by NFKD),
    newline to the separator, every other byte to a space."""
    out = bytearray(b" " * 256)
    for c in range(ord("a"), ord("z") + 1):
        out[c] = c
    for c in range(0xC0, 0x100):
        base = unicodedata.normalize("NFKD", chr(c).lower())[:1]
        if "a" <= base <= "z":
            out[c] = ord(base)
    out[ord("\n")] = _SEP_BYTE
    return bytes(out)


FOLD_TABLE = _fold_table()


def _read_list(lang: str) -> dict[str, float]:
    """Words of ``data/language/<lang>.txt`` with their weights (the last line of a word wins)."""
    text = (
        resources.files("cxpilot.kernel").joinpath(f"data/language/{lang}.txt").read_text("utf-8")
    )
    words: dict[str, float] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        words[parts[0]] = float(parts[1]) if len(parts) > 1 else 1.0
    return words


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[bytes, int], np.ndarray, np.ndarray]:
    """(word -> row, word weights [rows × columns], character cues [Latin-1 byte × columns]).

    Row 0 of the weights is the separator, row 1 an unknown word; both weigh nothing."""
    vocab: dict[bytes, int] = {_SEP: 0, b"": 1}
    rows: list[np.ndarray] = [np.zeros(_COLUMNS), np.zeros(_COLUMNS)]
    for j, lang in enumerate(LANGUAGES):
        for word, weight in _read_list(lang).items():
            key = word.encode("ascii")
            if key not in vocab:
                vocab[key] = len(rows)
                rows.append(np.zeros(_COLUMNS))
            rows[vocab[key]][j] = weight
    weights = np.vstack(rows)
    cues = np.zeros((256, _COLUMNS))
    for char, by_lang in CHAR_CUES.items():
        for lang, weight in by_lang.items():
            cues[ord(char), LANGUAGES.index(lang)] = weight
    cues[_SCRIPT_BYTE, _SCRIPT] = SCRIPT_WEIGHT
    return vocab, weights, cues


@lru_cache(maxsize=1)
def _suffixes() -> tuple[tuple[tuple[int, dict[bytes, int]], ...], np.ndarray]:
    """The endings of ``data/language/suffixes.txt``: per ending length, longest first,
    ending -> row; and the weights [row × columns]."""
    path = resources.files("cxpilot.kernel").joinpath("data/language/suffixes.txt")
    index: dict[bytes, int] = {}
    rows: list[np.ndarray] = []
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ending, lang, weight = line.split()
        key = ending.encode("ascii")
        if key not in index:
            index[key] = len(rows)
            rows.append(np.zeros(_COLUMNS))
        rows[index[key]][LANGUAGES.index(lang)] = float(weight)
    lengths = sorted({len(k) for k in index}, reverse=True)
    by_length = tuple((n, {k: v for k, v in index.items() if len(k) == n}) for n in lengths)
    return by_length, np.vstack(rows)


def _suffix_scores(words: list[bytes], ids: np.ndarray, doc: np.ndarray, n: int) -> np.ndarray:
    """Evidence of the endings of the words found in no list (the longest listed ending of a
    word at least two letters longer than it)."""
    out = np.zeros((n, _COLUMNS))
    unknown = np.flatnonzero(ids == 1)
    if unknown.size == 0:
        return out
    by_length, weights = _suffixes()
    unk = [words[i] for i in unknown.tolist()]
    sizes = np.fromiter(map(len, unk), dtype=np.int64, count=len(unk))
    row = np.full(len(unk), -1, dtype=np.int64)
    for length, table in by_length:
        ends = [w[-length:] for w in unk]
        got = np.fromiter(map(table.get, ends, repeat(-1)), dtype=np.int64, count=len(unk))
        take = (row < 0) & (got >= 0) & (sizes >= length + 2)
        row[take] = got[take]
    hit = row >= 0
    if hit.any():
        d, w = doc[unknown[hit]], weights[row[hit]]
        for j in range(len(LANGUAGES)):
            out[:, j] += np.bincount(d, weights=w[:, j], minlength=n)
    return out


def clean_texts(
    texts: Sequence[str | None], max_chars: int = MAX_CHARS, newline: str = " "
) -> list[str]:
    """Strings cut to ``max_chars``, newlines as ``newline`` and \\x01 (the separators) as
    spaces; None -> ""."""
    out: list[str] = []
    for t in texts:
        if not isinstance(t, str):
            out.append("")
            continue
        if len(t) > max_chars:
            t = t[:max_chars]
        if "\n" in t:
            t = t.replace("\n", newline)
        if "\x01" in t:
            t = t.replace("\x01", " ")
        out.append(t)
    return out


def latin1_bytes(joined_lower: str) -> bytes:
    """A lower-cased batch as Latin-1 bytes: ß, œ, æ spelled out, typographic quotes and
    dashes as spaces, non-Latin-script letters as \\x02, other characters as spaces."""
    s = joined_lower
    for char, repl in _SPELL:
        if char in s:
            s = s.replace(char, repl)
    return s.encode("latin-1", "cxpilot_text_script")


def _char_scores(raw: bytes, n: int) -> np.ndarray:
    """Character evidence per text of a Latin-1, newline-joined batch."""
    _, _, cues = _tables()
    arr = np.frombuffer(raw, dtype=np.uint8)
    scores = np.zeros((n, _COLUMNS))
    pos = np.flatnonzero((arr >= 0x80) | (arr == _SCRIPT_BYTE))
    if pos.size:
        doc = np.searchsorted(np.flatnonzero(arr == 10), pos, side="right")
        w = cues[arr[pos]]
        for j in range(_COLUMNS):
            scores[:, j] += np.bincount(doc, weights=w[:, j], minlength=n)
    return scores


def _words(raw: bytes) -> list[bytes]:
    """Folded words of a Latin-1 batch; each newline becomes the separator token."""
    return raw.replace(b"\n", b" \n ").translate(FOLD_TABLE).split()


def fold_words(text: str) -> list[str]:
    """The folded words of ``text``: lower case, accents dropped, ß→ss, œ→oe, æ→ae, split on
    anything that is not a letter a–z (so "l'heure" gives "l", "heure")."""
    raw = latin1_bytes(text.replace("\n", " ").lower())
    return [w.decode("ascii") for w in _words(raw)]


def scores(texts: Sequence[str | None], declared: Sequence[str | None] | None = None) -> np.ndarray:
    """Evidence per text and language, shape (n, len(LANGUAGES) + 1); the last column is
    non-Latin script. The declared-language prior is included."""
    n = len(texts)
    out = np.zeros((n, _COLUMNS))
    if n == 0:
        return out
    vocab, weights, _ = _tables()
    raw = latin1_bytes("\n".join(clean_texts(texts)).lower())
    out += _char_scores(raw, n)
    words = _words(raw)
    if words:
        ids = np.fromiter(map(vocab.get, words, repeat(1)), dtype=np.int64, count=len(words))
        doc = np.cumsum(ids == 0)
        known = ids > 1
        d, w = doc[known], weights[ids[known]]
        for j in range(len(LANGUAGES)):
            out[:, j] += np.bincount(d, weights=w[:, j], minlength=n)
        out += _suffix_scores(words, ids, doc, n)
    if declared is not None:
        if len(declared) != n:
            raise ValueError(f"declared has {len(declared)} items for {n} texts")
        col = np.array([_declared_column(x) for x in declared], dtype=np.int64)
        has = col >= 0
        out[np.flatnonzero(has), col[has]] += PRIOR
    return out


def _declared_column(code: str | None) -> int:
    if not isinstance(code, str):
        return -1
    key = code.strip().lower()[:2]
    try:
        return LANGUAGES.index(key)
    except ValueError:
        return _SCRIPT if key else -1


def detect(texts: Sequence[str | None], declared: Sequence[str | None] | None = None) -> list[str]:
    """Language of each text: "fr", "en", "other", or "" for an empty or blank text.

    ``declared`` (same length, e.g. the survey's language "fr", "en", "fr-FR", "es"; None when
    unknown) is a prior worth half a word: it decides ties and texts without evidence."""
    n = len(texts)
    if n == 0:
        return []
    s = scores(texts, declared)
    best = s.argmax(axis=1)
    none = s.max(axis=1) <= 0
    names = np.array([*ANSWERED, *([OTHER] * (_COLUMNS - len(ANSWERED)))], dtype=object)
    out = names[best]
    out[none] = OTHER
    blank = [not (isinstance(t, str) and t.strip()) for t in texts]
    out[np.array(blank, dtype=bool)] = ""
    return list(out)


def detect_one(text: str | None, declared: str | None = None) -> str:
    """:func:`detect` for one text."""
    return detect([text], None if declared is None else [declared])[0]


__all__ = [
    "ANSWERED",
    "FOLD_TABLE",
    "LANGUAGES",
    "OTHER",
    "clean_texts",
    "detect",
    "detect_one",
    "fold_words",
    "latin1_bytes",
    "scores",
]
