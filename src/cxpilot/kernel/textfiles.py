"""Reading a user's text file: the one set of decoding rules (no Django, so commands can use it
before set-up).

Users' files come from spreadsheets and survey tools as they saved them: UTF-8 with or without
a byte-order mark, UTF-16 with its byte-order mark (Excel's "Unicode text"), or a Windows
code page (cp1252, else Latin-1, which decodes any byte). A file with NUL bytes and no UTF-16
byte-order mark is binary, and refused. A file that mixes encodings (lines saved as UTF-8 and
lines saved in a code page, as when rows from two sources are pasted together) is refused too,
naming the first line that is not in the encoding the file starts in: decoding it either way
would garble part of it. A file is taken as a code page only when it holds no valid multi-byte
UTF-8 sequence at all. Every error names the file (and the line, when one is to blame).
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path
from typing import Any

import yaml

from cxpilot.kernel.errors import ValidationError

__all__ = ["csv_error", "decode_text", "read_bytes", "read_text"]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: One valid multi-byte UTF-8 sequence (RFC 3629, table 3-7 of the Unicode standard).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ONE_ENCODING = "save the file in one encoding (UTF-8)"


def decode_text(data: bytes, *, where: str, kind: str = "") -> str:
    """``data`` as text by the rules above; ``where`` (the file) and ``kind`` (what text was
    expected, e.g. ``CSV or JSON Lines``) go into the error a binary file gets."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValidationError(
                "the file starts as UTF-16 text but is not valid UTF-16", where=where
            ) from None
    if b"\x00" in data[:8192]:
        expected = f" ({kind})" if kind else ""
        raise ValidationError(f"this is a binary file, not text{expected}", where=where)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse_mixed(data, exc.start, where)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _refuse_mixed(data: bytes, bad: int, where: str) -> None:
    """Raise if ``data`` (not valid UTF-8 from byte ``bad`` on) mixes UTF-8 with a code page:
    the first line not in the encoding the file starts in is named."""
    first = _NON_ASCII.search(data)
    if first is not None and first.start() < bad:
        # valid UTF-8 text before the first byte that is not: a UTF-8 file with a foreign line
        line = _line_at(data, bad)
        before = "lines before are" if _line_at(data, first.start()) < line else "rest is"
        raise ValidationError(
            f"this line is not UTF-8 while the {before}: {_ONE_ENCODING}",
            where=f"{where}:line {line}",
        )
    utf8 = _UTF8_SEQUENCE.search(data, bad)
    if utf8 is not None:
        # a code-page file (its first non-ASCII byte is not UTF-8) with a UTF-8 line
        line = _line_at(data, utf8.start())
        before = "lines before are" if _line_at(data, bad) < line else "rest is"
        raise ValidationError(
            f"this line is UTF-8 while the {before} in another encoding "
            f"(Windows-1252 or Latin-1): {_ONE_ENCODING}",
            where=f"{where}:line {line}",
        )


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def csv_error(exc: csv.Error, *, where: str, row_start: int | None = None) -> ValidationError:
    """A :class:`csv.Error` met while reading a user's CSV as the error to show, ``where``
    naming the file and line; ``row_start``, the line the row being read starts on (where a
    quote left open is)."""
    message = str(exc)
    if "field larger than field limit" in message:
        opened = f" in the row that starts at line {row_start}" if row_start else ""
        return ValidationError(
            f"a value is longer than {csv.field_size_limit():,} characters: is a quote left "
            f"open{opened}, or is this not a CSV file?",
            where=where,
        )
    return ValidationError(f"not valid CSV: {message}", where=where)


def read_bytes(path: Path) -> bytes:
    """A file's bytes; a clear error naming the file if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror}", where=str(path)) from None


def read_text(path: Path, *, kind: str = "") -> str:
    """A text file's content, decoded by :func:`decode_text`."""
    return decode_text(read_bytes(path), where=str(path), kind=kind)


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: an anchor's alias (``*name``) repeats a value, and a file of a
    few hundred bytes nesting them expands to gigabytes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not read in CX Pilot's files: write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A key written twice in one mapping is an error, not the last value silently
        kept (a file edited by hand keeps its old ``key:`` above the new one)."""
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: PyYAML's own error says so
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"the key {str(key)[:60]!r} is written twice",
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)


def yaml_load(text: str) -> Any:
    """The value of a YAML (or JSON) text a user gave, as ``yaml.safe_load`` reads it, but
    refusing aliases and keys written twice in a mapping (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
