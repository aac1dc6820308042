"""Read a data file (CSV, Parquet, JSON Lines) as users really have it, into text columns.

CSV: decoded by the kernel's rules (UTF-8 with or without BOM, UTF-16 with BOM, else
cp1252/Latin-1; see ``cxpilot.kernel.textfiles``); ``,`` ``;`` tab or ``|`` separators
(sniffed from the header); quoted fields with newlines. Every value comes out as text (or
null), with the line of the file each row starts on, so validation can say where a problem
is. A column mapping renames the file's columns to the import format.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

from cxpilot.kernel import csvcells
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import csv_error, decode_text, read_bytes, read_text, yaml_load

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_TEXT_KIND = "CSV or JSON Lines"  # what a binary file is told it should have been
FORMATS = {"csv": CSV_SUFFIXES, "parquet": PARQUET_SUFFIXES, "jsonl": JSONL_SUFFIXES}


@dataclass
class RawTable:
    """A file's rows as text columns, with where each row comes from."""

    path: str
    columns: dict[str, pa.Array]  # name -> string array (nulls for empty cells)
    lines: np.ndarray  # 1-based line (CSV, JSONL) or row (Parquet) of each row
    unit: str = "line"
    #: name -> which rows held a JSON object, array or boolean (written out as text), for
    #: the columns where that happened (JSON Lines and API records only)
    structured: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return len(self.lines)

    def where(self, index: int, column: str | None = None) -> str:
        place = f"{self.path}:{self.unit} {int(self.lines[index])}"
        return f"{place}:{column}" if column else place


def file_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ValidationError(
                f"unknown format {fmt!r}; expected {', '.join(FORMATS)}", where="--format-in"
            )
        return fmt
    suffix = path.suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    raise ValidationError(
        "cannot tell the file format from its name; use .csv, .parquet or .jsonl", where=str(path)
    )


def read_file(
    path: Path, *, mapping: dict[str, str] | None = None, fmt: str | None = None
) -> RawTable:
    """Read ``path`` into text columns; apply ``mapping`` (import column -> file column)."""
    if not path.exists():
        raise ValidationError("no such file", where=str(path))
    if not path.is_file():
        raise ValidationError("not a regular file", where=str(path))
    kind = file_format(path, fmt)
    reader = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl}[kind]
    raw = reader(path)
    if raw.num_rows == 0:
        raise ValidationError("the file has no data rows", where=str(path))
    return apply_mapping(raw, mapping) if mapping else raw


def read_mapping(path: Path) -> dict[str, str]:
    """A mapping file: YAML/JSON ``{import_column: file_column}`` or a two-column CSV."""
    if not path.exists():
        raise ValidationError("no such mapping file", where=str(path))
    text = read_text(path, kind="YAML, JSON or CSV")
    if path.suffix.lower() == ".csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            rows = [r for r in reader if r and any(c.strip() for c in r)]
        except csv.Error as exc:
            raise csv_error(exc, where=f"{path}:line {max(reader.line_num, 1)}") from None
        if rows and [c.strip().lower() for c in rows[0][:2]] == ["column", "file_column"]:
            rows = rows[1:]
        data: object = {}
        for number, row in enumerate(rows, start=1):
            if len(row) != 2:
                raise ValidationError(
                    "each row must be: import column, file column", where=f"{path}:line {number}"
                )
        data = {r[0].strip(): r[1].strip() for r in rows}
    else:
        try:
            data = yaml_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(f"not valid YAML or JSON: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValidationError(
            "a mapping is pairs of import column: file column (both text)", where=str(path)
        )
    return {k.strip().lower(): v.strip() for k, v in data.items()}


def apply_mapping(raw: RawTable, mapping: dict[str, str]) -> RawTable:
    by_lower = {name.lower(): name for name in raw.columns}
    renamed: dict[str, pa.Array] = {}
    used: set[str] = set()
    for target, source in mapping.items():
        actual = by_lower.get(source.strip().lower())
        if actual is None:
            raise ValidationError(
                f"the mapping names column {source!r} for {target!r}, but the file has no such column "
                f"(it has: {', '.join(raw.columns)})",
                where=raw.path,
            )
        renamed[target] = raw.columns[actual]
        used.add(actual)
    for name, values in raw.columns.items():
        if name not in used and name.lower() not in renamed:
            renamed[name] = values
    return RawTable(raw.path, renamed, raw.lines, raw.unit)


def sniff_delimiter(header: str) -> str:
    counts = {d: 0 for d in (",", ";", "\t", "|")}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_names(names: list[str], where: str) -> list[str]:
    clean = [n.strip().lstrip("\ufeff") for n in names]
    seen: set[str] = set()
    for i, name in enumerate(clean):
        if not name:
            raise ValidationError(
                f"column {i + 1} of the header has no name", where=f"{where}:line 1"
            )
        if name.lower() in seen:
            raise ValidationError(
                f"column {name!r} appears twice in the header", where=f"{where}:line 1"
            )
        seen.add(name.lower())
    return clean


def _read_csv(path: Path) -> RawTable:
    where = str(path)
    data = read_bytes(path)
    if not data.strip():
        raise ValidationError("the file is empty", where=where)
    text = decode_text(data, where=where, kind=_TEXT_KIND)
    header = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(header)
    simple = '"' not in text and "\n\n" not in text and "\r\n\r\n" not in text
    raw: RawTable | None = None
    if simple:
        try:
            raw = _read_csv_fast(text, delimiter, where)
        except pa.ArrowInvalid:
            pass  # ragged rows: the careful reader below says where
    if raw is None:
        raw = _read_csv_careful(text, delimiter, where)
    return _restore_cells(raw)


def _restore_cells(raw: RawTable) -> RawTable:
    """Cells that a CSV export neutralised against spreadsheet formulas (``'=…``) read back as
    they were (see :mod:`cxpilot.kernel.csvcells`)."""
    for name, arr in raw.columns.items():
        if pa.compute.any(pa.compute.starts_with(arr, "'")).as_py():
            raw.columns[name] = pa.compute.replace_substring_regex(
                arr, pattern=csvcells.RESTORE_PATTERN, replacement=r"\1", max_replacements=1
            )
    return raw


def _read_csv_fast(text: str, delimiter: str, where: str) -> RawTable:
    buffer = pa.py_buffer(text.encode("utf-8"))
    header = text.split("\n", 1)[0].rstrip("\r")
    names = _header_names(header.split(delimiter), where)
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char=False, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    # a trailing newline is not a row; any other empty line made the fast path not apply
    lines = np.arange(2, table.num_rows + 2, dtype=np.int64)
    columns = {n: table.column(n).combine_chunks() for n in names}
    return RawTable(where, columns, lines)


def check_width(row: list[str], width: int, where: str) -> None:
    """A data row must have as many fields as the header."""
    if len(row) != width:
        raise ValidationError(
            f"expected {width} fields (as in the header), found {len(row)}", where=where
        )


def _read_csv_careful(text: str, delimiter: str, where: str) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1  # the line the row being read starts on
    try:
        try:
            names = _header_names(next(reader), where)
        except StopIteration:
            raise ValidationError("the file is empty", where=where) from None
        width = len(names)
        start = reader.line_num + 1
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                start = reader.line_num + 1
                continue
            check_width(row, width, f"{where}:line {start}")
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        line = max(reader.line_num, 1)
        raise csv_error(exc, where=f"{where}:line {line}", row_start=start) from None
    columns: dict[str, pa.Array] = {}
    transposed = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    for name, values in zip(names, transposed, strict=True):
        arr = pa.array(values, type=pa.string())
        columns[name] = pa.compute.if_else(
            pa.compute.equal(arr, ""), pa.scalar(None, pa.string()), arr
        )
    return RawTable(where, columns, np.asarray(lines, dtype=np.int64))


def _read_parquet(path: Path) -> RawTable:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ValidationError(f"not a readable Parquet file: {exc}", where=str(path)) from None
    names = _header_names(table.column_names, str(path))
    columns = {n: _as_text(table.column(i).combine_chunks()) for i, n in enumerate(names)}
    return RawTable(
        str(path), columns, np.arange(1, table.num_rows + 1, dtype=np.int64), unit="row"
    )


def _as_text(arr: pa.Array) -> pa.Array:
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary_decode().cast(pa.string())
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        return pa.array(
            [None if v is None else v.isoformat() for v in arr.to_pylist()], pa.string()
        )
    try:
        return arr.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array(
            [None if v is None else json.dumps(v, default=str) for v in arr.to_pylist()],
            pa.string(),
        )


def records_to_raw(records: list[dict[str, object]], where: str) -> RawTable:
    """Build a RawTable from JSON-like records (the API, the inbox). Row i is 'record i+1'."""
    names: dict[str, None] = {}
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise ValidationError(
                "each record must be a JSON object", where=f"{where}:record {i + 1}"
            )
        for key in record:
            names.setdefault(str(key))
    columns = {n: pa.array([_text(r.get(n)) for r in records], pa.string()) for n in names}
    structured = {}
    for n in names:
        mask = np.fromiter(
            (isinstance(r.get(n), dict | list | bool) for r in records), bool, len(records)
        )
        if mask.any():
            structured[n] = mask
    rows = np.arange(1, len(records) + 1, dtype=np.int64)
    return RawTable(where, columns, rows, unit="record", structured=structured)


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_jsonl(path: Path) -> RawTable:
    where = str(path)
    text = read_text(path, kind=_TEXT_KIND)
    records: list[dict[str, object]] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"not valid JSON: {exc.msg} at column {exc.colno}", where=f"{where}:line {number}"
            ) from None
        if not isinstance(record, dict):
            raise ValidationError("each line must be a JSON object", where=f"{where}:line {number}")
        records.append(record)
        lines.append(number)
    raw = records_to_raw(records, where)
    return RawTable(
        where,
        raw.columns,
        np.asarray(lines, dtype=np.int64),
        unit="line",
        structured=raw.structured,
    )
