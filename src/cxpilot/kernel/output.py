"""Print data for the CLI as a table (default), JSON or CSV. JSON keys are stable snake_case."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from cxpilot.kernel import csvcells


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
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
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str, indent=2) + "\n")
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
            table.add_row(key, _cell(value))
        Console().print(table)
        return
    if not rows:
        Console(stderr=True).print(f"(no {title or 'rows'})")
        return
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    Console().print(table)
