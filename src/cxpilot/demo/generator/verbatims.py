"""Verbatims: texts built from the phrase banks, and the topics of each touchpoint."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.demo import banks, phrases
from cxpilot.demo.generator.arrays import Array
from cxpilot.demo.generator.parameters import (
    LANGS,
    TONES,
    TOPIC_WEIGHTS,
    TOUCHPOINT_INDEX,
    TOUCHPOINTS,
)


def _cycle(values: Sequence[str], k: int) -> list[str]:
    return [values[i % len(values)] for i in range(k)]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


_K_CORE, _K_DETAIL, _K_OPEN, _K_CLOSE = 8, 6, 11, 9
_T = len(phrases.TOPICS)


def _bank(items: list[str]) -> pa.Array:
    """A bank with its accent-free copy appended (offset ``len(items)``)."""
    return pa.array(items + [banks.fold(s) for s in items])


def _verbatim_banks() -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, Array]:
    cores: list[str] = []
    details: list[str] = []
    for lang in LANGS:
        for topic in phrases.TOPICS:
            for sent in ("neg", "pos"):
                base = _cycle(phrases.CORES[topic][lang][sent], _K_CORE)
                cores += base + [_capitalised(s) for s in base]
                details += _cycle(phrases.DETAILS[topic][lang][sent], _K_DETAIL)
    openers: list[str] = []
    closers: list[str] = []
    for lang in LANGS:
        for tone in TONES:
            openers += _cycle(phrases.OPENERS[lang][tone], _K_OPEN)
            closers += _cycle(phrases.CLOSERS[lang][tone], _K_CLOSE)
    starts_sentence = np.array([o == "" or o.rstrip()[-1] in ".!?" for o in openers])
    return _bank(cores), _bank(details), _bank(openers), _bank(closers), starts_sentence


def verbatim_texts(rng: np.random.Generator, lang: Array, tone: Array, topic: Array) -> pa.Array:
    """Texts for rows of (language 0/1, tone 0/1/2, topic index)."""
    n = lang.size
    cores, details, openers, closers, starts = _verbatim_banks()
    sent = np.where(tone == 2, 1, 0)
    fold = (lang == 0) & (rng.random(n) < 0.1)
    o = (lang * 3 + tone) * _K_OPEN + rng.integers(0, _K_OPEN, n)
    cap = starts[o].astype(np.int64)
    c = (((lang * _T + topic) * 2 + sent) * 2 + cap) * _K_CORE + rng.integers(0, _K_CORE, n)
    d = ((lang * _T + topic) * 2 + sent) * _K_DETAIL + rng.integers(0, _K_DETAIL, n)
    e = (lang * 3 + tone) * _K_CLOSE + rng.integers(0, _K_CLOSE, n)
    parts = [
        openers.take(pa.array(o + fold * (len(openers) // 2))),
        cores.take(pa.array(c + fold * (len(cores) // 2))),
        details.take(pa.array(d + fold * (len(details) // 2))),
        closers.take(pa.array(e + fold * (len(closers) // 2))),
    ]
    text = pc.binary_join_element_wise(*parts, "")
    lower = pa.array(rng.random(n) < 0.08)
    return pc.if_else(lower, pc.utf8_lower(text), text)


def topic_cdfs() -> tuple[Array, Array]:
    """Per touchpoint, the CDF over topics of negative and of positive verbatims."""
    neg = np.zeros((len(TOUCHPOINTS), _T))
    pos = np.zeros((len(TOUCHPOINTS), _T))
    for tp, (n_w, p_w) in TOPIC_WEIGHTS.items():
        for topic, w in n_w.items():
            neg[TOUCHPOINT_INDEX[tp], phrases.TOPICS.index(topic)] = w
        for topic, w in p_w.items():
            pos[TOUCHPOINT_INDEX[tp], phrases.TOPICS.index(topic)] = w
    for m in (neg, pos):
        m[m.sum(axis=1) == 0, phrases.TOPICS.index("staff")] = 1.0
        m /= m.sum(axis=1, keepdims=True)
    neg_cdf, pos_cdf = np.cumsum(neg, axis=1), np.cumsum(pos, axis=1)
    neg_cdf[:, -1] = pos_cdf[:, -1] = 1.0
    return neg_cdf, pos_cdf


# --------------------------------------------------------------------------------------------
# generate()
