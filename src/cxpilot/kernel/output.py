"""Print data for the CLI as a table (default), JSON or CSV. JSON keys are stable snake_case."""

from __future__ import annotations

import enum
import json
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cxpilot.kernel import csvcells


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""  # an undefined figure is an empty cell, as it is null in JSON
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def fields(obj: object, *names: str) -> dict[str, Any]:
    """A row of the attributes ``names`` of ``obj``, keyed by their names, in that order."""
    return {name: getattr(obj, name) for name in names}


def emit(
    data: Mapping[str, Any] | Sequence[Mapping[str, Any]], fmt: Format, *, title: str | None = None
) -> None:
    rows = [data] if isinstance(data, Mapping) else list(data)
    if fmt is Format.json:
        payload = data if isinstance(data, Mapping) else rows
        # NaN and infinities are not JSON: an undefined figure is written null
        text = json.dumps(_finite(payload), ensure_ascii=False, default=str, indent=2)
        sys.stdout.write(text + "\n")
        return
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    if fmt is Format.csv:
        writer = csvcells.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return
    if isinstance(data, Mapping):
        table = Table(title=title, show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, value in data.items():
            table.add_row(Text(key), Text(_cell(value)))
        Console().print(table)
        return
    if not rows:
        Console(stderr=True).print(f"(no {title or 'rows'})")
        return
    console = Console()
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    shown = _fitting(columns, cells, console.width)
    table = Table(title=title, show_lines=False)
    for i in shown:
        natural = _natural_width(columns[i], [r[i] for r in cells])
        # short values stay whole; long text wraps inside its column instead of being cut
        wraps = natural > WRAP_AT
        table.add_column(
            columns[i],
            min_width=min(natural, WRAP_AT),
            no_wrap=not wraps,
            overflow="fold" if wraps else "ellipsis",
        )
    for line in cells:
        table.add_row(*(Text(line[i]) for i in shown))  # data, never markup
    console.print(table)
    left_out = [columns[i] for i in range(len(columns)) if i not in shown]
    if left_out:
        Console(stderr=True).print(
            f"({len(left_out)} more column(s) do not fit in {console.width} characters: "
            f"{', '.join(left_out)}; see them all with --format csv or --format json, or in a "
            "wider terminal)",
            highlight=False,
        )


#: Columns with longer values than this wrap (text); shorter ones are never cut.
WRAP_AT = 24
#: What a column costs beside its content: a space each side and a border.
PADDING = 3


def _natural_width(header: str, values: Sequence[str]) -> int:
    return max([len(header), *(len(v) for v in values)])


def _fitting(columns: Sequence[str], cells: Sequence[Sequence[str]], width: int) -> list[int]:
    """The columns that fit in ``width`` characters, in their order: the first (what names
    the row), then the short ones (figures, keys, dates: never cut) from the left, then the
    long text ones, which wrap down to ``WRAP_AT`` characters."""
    natural = [_natural_width(h, [r[i] for r in cells]) for i, h in enumerate(columns)]
    short = [i for i, n in enumerate(natural) if n <= WRAP_AT and i]
    long = [i for i, n in enumerate(natural) if n > WRAP_AT and i]
    shown: list[int] = []
    used = 1  # the table's left border
    for i in [0, *short, *long]:
        need = min(natural[i], max(WRAP_AT, len(columns[i])))
        if shown and used + need + PADDING > width:
            continue
        shown.append(i)
        used += need + PADDING
    return sorted(shown)


def _finite(value: Any) -> Any:
    """``value`` with every float that is NaN or infinite (in lists and mappings) as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
