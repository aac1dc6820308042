"""Validate text columns against a warehouse table's import format, vectorised.

Every problem is reported with its place (file, line, column), its value and the reason.
The result is typed Arrow columns in the warehouse layout, plus the problems and a mask of the
rows that have one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.kernel import errors
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.files import RawTable, _text
from cxpilot.warehouse.schema import METRIC_RANGES, Column, Table

MAX_REPORTED = 100


@dataclass(frozen=True)
class Problem(errors.Problem):
    """A problem of one row of an import (``row``: its index in the file, to sort by)."""

    row: int = 0


@dataclass
class Validated:
    spec: Table
    raw: RawTable
    data: pa.Table  # typed columns of the spec (+ attributes), all rows
    bad: np.ndarray  # bool mask of rows with at least one problem
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    new_touchpoints: list[str] = field(default_factory=list)
    reasons: dict[int, list[str]] = field(default_factory=dict)
    #: the records came through the HTTP API: no hint at command-line options
    from_api: bool = False

    @property
    def good(self) -> pa.Table:
        return self.data.filter(pa.array(~self.bad))

    def raise_if_bad(self, *, analysing: bool = False) -> None:
        """The error of a file with bad rows: ``analysing`` when the file is read to be
        analysed as it is (``--file``), which imports nothing and has no --skip-invalid."""
        if self.problem_count:
            rows = int(self.bad.sum())
            if analysing:
                outcome = "the file was not analysed: correct these rows first"
            else:
                hint = "" if self.from_api else " (use --skip-invalid to load the good rows)"
                outcome = f"nothing was imported{hint}"
            raise ValidationError(
                f"{self.problem_count} problem(s) in {rows} row(s); {outcome}",
                where=self.raw.path,
                problems=self.problems,
            )


class _Collector:
    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.bad = np.zeros(raw.num_rows, dtype=bool)
        self.problems: list[Problem] = []
        self.count = 0
        self.row_reasons: dict[int, list[str]] = {}

    def add(
        self,
        mask: np.ndarray,
        column: str | None,
        values: pa.Array | None,
        reason: str | Callable[[int], str],
    ) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        self.bad[idx] = True
        self.count += len(idx)
        for i in idx:
            text = reason(int(i)) if callable(reason) else reason
            self.row_reasons.setdefault(int(i), []).append(f"{column} {text}" if column else text)
        # each check keeps its first MAX_REPORTED rows, so the first MAX_REPORTED of all
        # checks by row are among them (see ``first_problems``)
        for i in idx[:MAX_REPORTED]:
            value = values[int(i)].as_py() if values is not None else None
            text = reason(int(i)) if callable(reason) else reason
            self.problems.append(
                Problem(
                    row=int(i),
                    where=self.raw.where(int(i)),
                    column=column,
                    value=value,
                    reason=text,
                )
            )

    def first_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: p.row)[:MAX_REPORTED]


def _np_mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _strip(arr: pa.Array) -> pa.Array:
    stripped = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def _cast_or_each(
    text: pa.Array, target: pa.DataType, parse: Callable[[str], object]
) -> tuple[pa.Array, np.ndarray]:
    """``text`` cast to ``target`` by Arrow, or where Arrow refuses, value by value with
    ``parse`` (ValueError: not a value); gives the values and which ones were bad."""
    try:
        return pc.cast(text, target), np.zeros(len(text), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out: list[object] = []
    bad = np.zeros(len(text), dtype=bool)
    for i, value in enumerate(text.to_pylist()):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(parse(value))
        except ValueError:
            out.append(None)
            bad[i] = True
    return pa.array(out, target), bad


def _finite(value: str) -> float:
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(value)
    return number


def _parse_float(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """French and English decimals: '12,5', '1 234,50', '1234.5', '-3'. Not a number: 'inf',
    'nan', '1e400' (read as infinite) and the like, which Arrow itself would accept."""
    cleaned = pc.replace_substring_regex(text, pattern="[\\s\u00a0\u202f]", replacement="")
    comma_decimal = pc.match_substring_regex(cleaned, pattern=r"^[+-]?\d*,\d+$")
    cleaned = pc.if_else(comma_decimal, pc.replace_substring(cleaned, ",", "."), cleaned)
    numbers, bad = _cast_or_each(cleaned, pa.float64(), _finite)
    infinite = _np_mask(pc.invert(pc.is_finite(numbers)))
    if infinite.any():
        numbers = pc.if_else(pa.array(infinite), pa.scalar(None, pa.float64()), numbers)
        bad = bad | infinite
    return numbers, bad


def _parse_int(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    numbers, bad = _parse_float(text)
    values = numbers.to_numpy(zero_copy_only=False)
    fractional = ~np.isnan(values) & (values != np.round(values))
    huge = ~np.isnan(values) & (np.abs(values) > 2**53)
    bad = bad | fractional | huge
    ints = pa.array(
        np.where(np.isnan(values) | bad, 0, values).astype(np.int64), mask=np.isnan(values) | bad
    )
    return ints, bad


#: How a file writes its days when not in ISO 8601: ``dmy`` (14/03/2025, as in France),
#: ``mdy`` (03/14/2025, as in the United States); ``ymd`` is ISO 8601 only.
DATE_ORDERS = ("ymd", "dmy", "mdy")
#: ISO 8601 by its shape: ``yyyy-mm-dd``, then nothing or a time ``hh:mm`` (and the rest).
_ISO_SHAPE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$"
_NUMERIC_DAY = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(.*)$"


def reorder_days(text: pa.Array, order: str) -> pa.Array:
    """Rewrite ``14/03/2025`` (``dmy``) or ``03/14/2025`` (``mdy``) as ``2025-03-14``, keeping
    any time after it; other values are left as they are (ISO 8601 stays valid)."""
    check_date_order(order)
    return text if order == "ymd" else _reordered(text, order)


def check_date_order(order: str) -> None:
    """Refuse a date order that is none of DATE_ORDERS."""
    if order not in DATE_ORDERS:
        raise ValidationError(
            f"the date order is {', '.join(DATE_ORDERS)}, not {str(order)[:40]!r}",
            where="--date-order",
        )


def _reordered(text: pa.Array, order: str) -> pa.Array:
    pattern = r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})(?P<rest>.*)$"
    parts = pc.extract_regex(text, pattern=pattern)
    day, month = ("a", "b") if order == "dmy" else ("b", "a")
    iso = pc.binary_join_element_wise(
        parts.field("y"),
        pc.utf8_lpad(parts.field(month), width=2, padding="0"),
        pc.utf8_lpad(parts.field(day), width=2, padding="0"),
        "-",
    )
    iso = pc.binary_join_element_wise(iso, parts.field("rest"), "")
    return pc.if_else(pc.is_valid(parts), iso, text)


def _parse_timestamp(text: pa.Array, date_only: bool = False) -> tuple[pa.Array, np.ndarray]:
    def parse(value: str) -> object:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed.date() if date_only else parsed

    return _cast_or_each(text, pa.date32() if date_only else pa.timestamp("us"), parse)


_REASONS = {
    "integer": "is not a whole number",
    "float": "is not a finite number",
    "timestamp": "is not an ISO 8601 date or date-time (e.g. 2025-03-14 or 2025-03-14T09:30:00)",
    "date": "is not an ISO 8601 date (e.g. 1984-07-02)",
}


def _column(
    col: Column, text: pa.Array, errors: _Collector, date_order: str | None = "ymd"
) -> pa.Array:
    text = _strip(text)
    shown = text  # the values as the file writes them, for the problems
    missing = _np_mask(pc.is_null(text))
    if col.required:
        errors.add(missing, col.name, None, "is required")
    if col.kind == "string":
        too_long = _np_mask(pc.greater(pc.utf8_length(text), col.max_length))
        errors.add(too_long, col.name, text, f"is longer than {col.max_length} characters")
        if col.choices:
            lowered = pc.utf8_lower(text)
            unknown = _np_mask(pc.invert(pc.is_in(lowered, value_set=pa.array(col.choices))))
            unknown &= ~missing
            errors.add(unknown, col.name, text, f"must be one of {', '.join(col.choices)}")
            return lowered
        return text
    if col.kind in ("integer", "float"):
        parsed, bad = _parse_int(text) if col.kind == "integer" else _parse_float(text)
    else:
        text = reorder_days(text, date_order or "ymd")
        parsed, bad = _parse_timestamp(text, date_only=col.kind == "date")
        if date_order == "ymd" and bad.any():
            # days written 14/03/2025: say how to read them, once per value, not as ISO errors
            numeric = _np_mask(pc.match_substring_regex(shown, pattern=_NUMERIC_DAY)) & bad
            errors.add(
                numeric,
                col.name,
                shown,
                "is a day written with slashes or dots: say the file's date order, day first "
                "for 14/03/2025 or month first for 03/14/2025 (--date-order dmy or mdy; "
                "'Dates written as' on the Import data page)",
            )
            bad &= ~numeric
        if bad.any():
            # written as ISO 8601 but no such day or time (2020-02-30, 2025-03-14T25:00)
            impossible = _np_mask(pc.match_substring_regex(shown, pattern=_ISO_SHAPE)) & bad
            errors.add(
                impossible,
                col.name,
                shown,
                "is written as an ISO 8601 date but no such day or time exists",
            )
            bad &= ~impossible
        if col.kind == "timestamp" and not bad.any():
            years = pc.year(parsed)
            bad = _np_mask(pc.or_(pc.less(years, 1900), pc.greater(years, 2200)))
            errors.add(bad, col.name, shown, "is not a plausible date (year outside 1900–2200)")
            parsed = pc.if_else(pa.array(bad), pa.scalar(None, parsed.type), parsed)
            return parsed
    errors.add(bad & ~missing, col.name, shown, _REASONS[col.kind])
    for bound, beyond, word in ((col.minimum, pc.less, "least"), (col.maximum, pc.greater, "most")):
        if bound is not None:
            errors.add(
                _np_mask(beyond(parsed, bound)), col.name, text, f"must be at {word} {bound:g}"
            )
    return parsed


#: A column only one survey tool's export has, and the tool (``--from``).
TOOL_COLUMNS = {
    "ResponseId": "qualtrics",
    "Respondent ID": "surveymonkey",
    "Submit Date (UTC)": "typeform",
    "Timestamp": "google-forms",
    "Horodateur": "google-forms",
}


def _mapping_hint(missing: list[str], present: list[str], from_api: bool) -> str:
    """How to say which of the file's columns holds each missing one: a column mapping, with a
    guess from the names where one is close."""
    if from_api:
        return ""
    tool = next((TOOL_COLUMNS[n] for n in present if n in TOOL_COLUMNS), None)
    if tool is not None:
        return (
            f". It looks like a survey tool's own export: import it with --from {tool} (and "
            "--touchpoint KEY; 'Survey tool export' on the Import data page), see "
            "docs/importing.md"
        )
    lowered = {name.lower(): name for name in present}
    guesses = []
    for name in missing:
        close = difflib.get_close_matches(name, list(lowered), n=1, cutoff=0.6)
        if close:
            guesses.append(f"{name}: {lowered[close[0]]}")
    example = f" (e.g. {'; '.join(guesses)})" if guesses else ""
    return (
        f". If the file names them otherwise, map them with a column mapping file{example}: "
        "--mapping FILE, see docs/importing.md"
    )


def _refuse_nul(name: str, text: pa.Array, errors: _Collector) -> None:
    """A NUL character (U+0000) is in no customer's text, and PostgreSQL cannot store it."""
    nul = _np_mask(pc.match_substring(text, "\x00"))
    if nul.any():
        shown = pc.replace_substring(text, "\x00", "\u2400")  # the visible symbol for NUL
        errors.add(nul, name, shown, "contains a NUL character (U+0000)")


def _attributes(raw: RawTable, extra: list[str]) -> pa.Array:
    """The file's other columns as one JSON object per row. A column named ``attributes``
    that holds JSON objects (a record read back from the inbox, an export of ours) is merged,
    not nested."""
    if not extra:
        return pa.nulls(raw.num_rows, pa.string())
    values = [raw.columns[name].to_pylist() for name in extra]
    out: list[str | None] = []
    for row in zip(*values, strict=True):
        obj: dict[str, object] = {}
        for key, value in zip(extra, row, strict=True):
            if value is None:
                continue
            if key == "attributes":
                nested = _json_object(value)
                if nested is not None:
                    obj.update(nested)
                    continue
            obj[key] = value
        out.append(json.dumps(obj, ensure_ascii=False) if obj else None)
    return pa.array(out, pa.string())


def _json_object(text: str) -> dict[str, object] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def validate(
    raw: RawTable,
    spec: Table,
    *,
    default_source: str | None = None,
    touchpoints: Mapping[str, str] | None = None,
    add_touchpoints: bool = False,
    from_api: bool = False,
    date_order: str | None = "ymd",
) -> Validated:
    """Check ``raw`` against ``spec``. ``from_api``: the records came through the HTTP API
    (the messages then name no command-line option). ``date_order`` (:data:`DATE_ORDERS`)
    reads days written ``14/03/2025`` (``dmy``) or ``03/14/2025`` (``mdy``); ``None``: the
    dates were read already (a survey tool's export), ISO 8601 only and no advice.

    ``touchpoints`` maps lower-cased touchpoint keys and names to their key; ``None`` skips the
    check (a file analysed as it is). Unknown touchpoints are problems unless
    ``add_touchpoints``, which lists them in ``new_touchpoints`` instead.
    """
    by_lower = {name.lower(): name for name in raw.columns}
    missing_cols = [
        c.name
        for c in spec.columns
        if c.required and c.name not in by_lower and not (c.name == "source" and default_source)
    ]
    if missing_cols:
        raise ValidationError(
            f"missing required column(s) {', '.join(missing_cols)}; the file has "
            f"{', '.join(raw.columns)}{_mapping_hint(missing_cols, list(raw.columns), from_api)}",
            where=f"{raw.path}:{'line' if raw.unit == 'line' else raw.unit} 1",
        )
    errors = _Collector(raw)
    n = raw.num_rows
    for name, text in raw.columns.items():
        if "\x00" in name:
            raise ValidationError(
                "a column name contains a NUL character (U+0000)",
                where=f"{raw.path}:{'line' if raw.unit == 'line' else raw.unit} 1",
            )
        _refuse_nul(name, text, errors)
    typed: dict[str, pa.Array] = {}
    for col in spec.columns:
        name = by_lower.get(col.name)
        text = raw.columns[name] if name else pa.nulls(n, pa.string())
        if col.name == "source" and default_source:
            text = (
                pc.fill_null(text, default_source)
                if name
                else pa.array([default_source] * n, pa.string())
            )
        typed[col.name] = _column(col, text, errors, date_order)
        if name in raw.structured and (col.name in (spec.key, "customer_id", "source")):
            # an id written as a JSON object, array or true/false is a mistake, not an id
            errors.add(raw.structured[name], col.name, text, "is not a text or a number")

    # a record is written source:customer_id (split at the first colon) wherever one is named
    colon = _np_mask(pc.match_substring(typed["source"], ":"))
    errors.add(
        colon,
        "source",
        typed["source"],
        "has a colon (a record is named source:customer_id, so a source name may not)",
    )

    if spec.name == "responses":
        metric, score = typed["metric"], typed["score"]
        score_text = _strip(raw.columns[by_lower["score"]])
        for name, (low, high) in METRIC_RANGES.items():
            is_metric = _np_mask(pc.equal(metric, name))
            out = _np_mask(pc.or_(pc.less(score, low), pc.greater(score, high))) & is_metric
            errors.add(
                out, "score", score_text, f"is out of range for {name.upper()} ({low}–{high})"
            )

    if spec.references_touchpoints and touchpoints is not None:
        typed["touchpoint"], new = _check_touchpoints(
            typed["touchpoint"], touchpoints, add_touchpoints, errors, from_api
        )
    else:
        new = []

    _check_duplicates(typed["source"], typed[spec.key], spec.key, errors)

    known = {c.name for c in spec.columns}
    extra = [name for name in raw.columns if name.lower() not in known]
    arrays = [typed[c.name] for c in spec.columns] + [_attributes(raw, extra)]
    data = pa.Table.from_arrays(arrays, names=[*spec.column_names, "attributes"])
    return Validated(
        spec,
        raw,
        data,
        errors.bad,
        errors.first_problems(),
        errors.count,
        new,
        errors.row_reasons,
        from_api,
    )


def _check_touchpoints(
    values: pa.Array, known: Mapping[str, str], add: bool, errors: _Collector, from_api: bool
) -> tuple[pa.Array, list[str]]:
    lowered = pc.utf8_lower(values)
    distinct = [v for v in pc.unique(lowered).to_pylist() if v is not None]
    resolved = {v: known[v] for v in distinct if v in known}
    unknown = sorted(set(distinct) - set(resolved))
    new: list[str] = []
    if unknown and add:
        from django.utils.text import slugify

        for value in unknown:
            key = slugify(value).replace("-", "_") or "touchpoint"
            resolved[value] = key
            new.append(key)
    elif unknown:
        mask = _np_mask(pc.is_in(lowered, value_set=pa.array(unknown)))
        hint = (
            f"; known: {', '.join(sorted(set(known.values())))}"
            if known
            else "; the organisation has no touchpoints yet"
        )
        errors.add(
            mask,
            "touchpoint",
            values,
            "is not a touchpoint of the organisation "
            + (
                "(an administrator adds it to the organisation model)"
                if from_api
                else "(use --add-touchpoints to create it)"
            )
            + hint,
        )
    keys = pa.array(list(resolved.keys()), pa.string())
    vals = pa.array(list(resolved.values()), pa.string())
    index = pc.index_in(lowered, value_set=keys)
    mapped = pc.take(vals, index) if len(keys) else values
    return pc.if_else(pc.is_null(index), values, mapped), sorted(set(new))


def _check_duplicates(source: pa.Array, key: pa.Array, key_name: str, errors: _Collector) -> None:
    combined = pc.binary_join_element_wise(pc.fill_null(source, ""), pc.fill_null(key, ""), "\x1f")
    codes, uniques = pd.factorize(np.asarray(combined.to_numpy(zero_copy_only=False)))
    if len(uniques) == len(codes):
        return
    _, first = np.unique(codes, return_index=True)
    first_of_row = first[codes]
    dup = (first_of_row != np.arange(len(codes))) & _np_mask(pc.is_valid(key))
    errors.add(
        dup,
        key_name,
        key,
        lambda i: (
            f"is a duplicate: the same {key_name} is also at "
            f"{errors.raw.unit} {int(errors.raw.lines[first_of_row[i]])}"
        ),
    )


# --- A few records, checked one by one --------------------------------------------------------

#: Characters :func:`_strip` (Arrow's whitespace trim) may remove: a value that starts or ends
#: with one is left to the vectorised path, so that both paths always agree.
_TRIMMABLE = frozenset(("Cc", "Zs", "Zl", "Zp"))
_MAX_EXACT = 2**53
#: The one timestamp shape checked here (what our own code writes): others go to Arrow.
_PLAIN_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[+-]\d{2}:\d{2})?"
)


def records_checked(
    records: list[dict[str, object]],
    spec: Table,
    *,
    default_source: str | None = None,
    touchpoints: Mapping[str, str] | None = None,
) -> list[dict[str, object]] | None:
    """The rows :func:`validate` would make of these JSON-like records, as JSON-ready dicts
    (timestamps in ISO 8601, no None values), checked in plain Python: faster than the
    vectorised path for a handful of records.

    Only for records that are plainly valid: on anything unusual (a problem, a value that
    needs converting or trimming, an unknown column casing) it returns None, and the caller
    runs :func:`validate`, which gives the same rows or says what is wrong. So the two paths
    never disagree on what is accepted, nor on the rows made of it.
    """
    known = {c.name for c in spec.columns}
    if not all(isinstance(record, dict) for record in records):
        return None
    # the other columns of every record, in order of first appearance: the order of the
    # attributes the vectorised path makes
    extra_names = list(dict.fromkeys(k for r in records for k in r if k not in known))
    rows: list[dict[str, object]] = []
    seen: set[tuple[object, object]] = set()
    for record in records:
        row: dict[str, object] = {}
        for col in spec.columns:
            value = record.get(col.name)
            if value is None or value == "":
                if col.name == "source" and default_source:
                    value = default_source
                elif col.required:
                    return None
                else:
                    continue
            checked = _value(col, value)
            if checked is None:
                return None
            row[col.name] = checked
        if spec.name == "responses":
            low, high = METRIC_RANGES[str(row["metric"])]
            if not low <= int(row["score"]) <= high:  # type: ignore[call-overload]
                return None
        if spec.references_touchpoints and touchpoints is not None:
            key = touchpoints.get(str(row["touchpoint"]).lower())
            if key is None:
                return None
            row["touchpoint"] = key
        identity = (row["source"], row[spec.key])
        if identity in seen:
            return None
        seen.add(identity)
        if not all(isinstance(name, str) and name == name.lower() for name in record):
            return None
        if any("\x00" in name or "\x00" in (_text(value) or "") for name, value in record.items()):
            return None  # refused by the vectorised path, which says where
        extra: dict[str, object] = {}
        for name in extra_names:
            if name == "attributes":
                return None
            text = _text(record.get(name))
            if text is not None:
                extra[name] = text
        if extra:
            row["attributes"] = json.dumps(extra, ensure_ascii=False)
        rows.append(row)
    return rows


def _value(col: Column, value: object) -> object | None:
    """``value`` checked and typed for ``col`` as :func:`validate` does, or None when it is
    not plainly valid (the vectorised path then decides)."""
    if col.kind == "string":
        if not isinstance(value, str) or len(value) > col.max_length:
            return None
        if _trimmable(value[0]) or _trimmable(value[-1]):
            return None
        if col.choices and value not in col.choices:
            return None
        return value
    if col.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _MAX_EXACT:
            return None
        number: int | float = value
    elif col.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            return None
        if abs(value) == float("inf"):
            return None
        number = float(value)
    elif col.kind == "timestamp":
        if not isinstance(value, str) or not _PLAIN_TIMESTAMP.fullmatch(value):
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        if not 1900 <= parsed.year <= 2200:
            return None
        return parsed.isoformat()
    else:
        return None
    if (col.minimum is not None and number < col.minimum) or (
        col.maximum is not None and number > col.maximum
    ):
        return None
    return number


def _trimmable(ch: str) -> bool:
    return unicodedata.category(ch) in _TRIMMABLE
