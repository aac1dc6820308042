"""Reads for the customers domain: two files in the customers import format linked."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa

from cxpilot.customers.linkage import Linkage, link
from cxpilot.kernel.errors import ValidationError

#: The columns of the customers import format that linkage compares.
LINKAGE_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "birth_date",
)


def threshold_checked(value: float, where: str = "--threshold") -> float:
    """A match probability threshold: a number from 0 to 1."""
    if not isinstance(value, int | float) or math.isnan(value) or not 0 <= value <= 1:
        raise ValidationError(
            f"the threshold is a match probability from 0 to 1, not {value}", where=where
        )
    return float(value)


def _customers(path: Path) -> pa.Table:
    """A customers file read and validated as an import reads it (nothing is stored)."""
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(table="customers", path=Path(path))
    checked.raise_if_bad(analysing=True)
    data = checked.data
    compared = [c for c in LINKAGE_COLUMNS if data.column(c).null_count < data.num_rows]
    if not compared:
        raise ValidationError(
            f"nothing to compare: the file has no value in any of {', '.join(LINKAGE_COLUMNS)}",
            where=str(path),
        )
    return data


def files_linked(*, path_a: Path, path_b: Path, threshold: float = 0.5) -> Linkage:
    """The records of two customers files (CSV, Parquet or JSON Lines, in the import
    format) that are the same person with a probability of at least ``threshold``.

    Each file is read and checked as ``cxpilot import customers`` would (a bad file is a
    ``ValidationError`` naming it, the line and the column); a file may hold rows of several
    sources, and ``customer_id`` names a record in the pairs."""
    threshold = threshold_checked(threshold)
    a, b = _customers(path_a), _customers(path_b)
    return link(a, b, threshold)
