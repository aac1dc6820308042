"""Small numpy and Arrow helpers: categorical draws and fast string columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.demo.generator.parameters import START_S

Array = npt.NDArray[Any]


def weights(values: Sequence[float]) -> Array:
    w = np.asarray(values, dtype=np.float64)
    return w / w.sum()


def draw(rng: np.random.Generator, p: Array, size: int) -> Array:
    """Indices drawn from the categorical distribution ``p`` (inverse CDF, vectorised)."""
    cdf = np.cumsum(p)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def draw_rows(rng: np.random.Generator, cdfs: Array, group: Array) -> Array:
    """One categorical draw per row, from the distribution (CDF row) of the row's ``group``."""
    return pick(rng.random(group.size), cdfs, group)


def pick(u: Array, cdfs: Array, group: Array) -> Array:
    """Inverse CDF of uniform draws ``u``, each with the CDF row ``cdfs[group]``."""
    out = np.zeros(u.size, np.int64)
    last = cdfs.shape[1] - 1
    for g in np.unique(group):
        sel = group == g
        out[sel] = np.minimum(np.searchsorted(cdfs[g], u[sel], side="right"), last)
    return out


def dictionary(
    indices: Array, values: Sequence[str | None], wide: bool = False
) -> pa.DictionaryArray:
    """Dictionary-encoded strings: ``values[indices]``; a ``None`` value gives a null.

    Indices are 8-bit for short dictionaries (most columns), else (or if ``wide``) 32-bit.
    """
    position: dict[str, int] = {}
    for v in values:
        if v is not None:
            position.setdefault(v, len(position))
    kept = list(position)
    small = len(kept) < 128 and not wide
    remap = np.array(
        [position[v] if v is not None else -1 for v in values], np.int8 if small else np.int32
    )
    codes: Array = remap[np.asarray(indices, np.int64)]
    mask = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(codes, 0), mask=mask if mask.any() else None),
        pa.array(kept, pa.string()),
    )


def zero_padded(values: Array, width: int) -> pa.Array:
    return pc.utf8_lpad(
        pc.cast(pa.array(values.astype(np.int64)), pa.string()), width=width, padding="0"
    )


def _letters(texts: Sequence[str]) -> Array:
    """Equal-length ASCII texts as a (len(texts), length) byte matrix."""
    length = len(texts[0])
    if any(len(t) != length for t in texts):
        raise ValueError("texts must have the same length")
    return np.frombuffer("".join(texts).encode("ascii"), np.uint8).reshape(len(texts), length)


def ascii_column(
    numbers: Array,
    width: int,
    prefixes: Sequence[str] = ("",),
    prefix: Array | int = 0,
    suffixes: Sequence[str] = ("",),
    suffix: Array | int = 0,
) -> pa.Array:
    """Strings ``prefixes[prefix] + zero-padded numbers + suffixes[suffix]``, built as one
    byte buffer with numpy (ids of tens of millions of rows in a second)."""
    n = numbers.size
    pre, suf = _letters(prefixes), _letters(suffixes)
    lp, ls = pre.shape[1], suf.shape[1]
    w = lp + width + ls
    cols = np.empty((w, n), np.uint8)  # one row per character position, then transposed
    for i in range(lp):
        cols[i] = pre[:, i][prefix]
    for i in range(ls):
        cols[lp + width + i] = suf[:, i][suffix]
    # decimal digits, right to left, in float64 (exact below 2**53) with reused buffers
    x = numbers.astype(np.float64)
    q = np.empty_like(x)
    r = np.empty_like(x)
    for i in range(lp + width - 1, lp - 1, -1):
        np.floor(np.divide(x, 10.0, out=q), out=q)
        np.subtract(x, np.multiply(q, 10.0, out=r), out=r)
        r += 48.0
        cols[i] = r
        x, q = q, x
    buf = np.ascontiguousarray(cols.T)
    offsets = np.arange(n + 1, dtype=np.int64) * w
    if n * w < 2**31:
        offsets = offsets.astype(np.int32)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))


def timestamps(seconds: Array) -> pa.Array:
    return pa.array((START_S + seconds.astype("timedelta64[s]")).astype("datetime64[us]"))
