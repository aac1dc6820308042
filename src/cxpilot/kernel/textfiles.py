"""Reading a user's text file: the one set of decoding rules (no Django, so commands can use it
before set-up).

Users' files come from spreadsheets and survey tools as they saved them: UTF-8 with or without
a byte-order mark, UTF-16 with its byte-order mark (Excel's "Unicode text"), or a Windows
code page (cp1252, else Latin-1, which decodes any byte). A file with NUL bytes and no UTF-16
byte-order mark is binary, and refused. Every error names the file.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from cxpilot.kernel.errors import ValidationError

__all__ = ["decode_text", "read_bytes", "read_text"]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


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
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def read_bytes(path: Path) -> bytes:
    """A file's bytes; a clear error naming the file if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror}", where=str(path)) from None


def read_text(path: Path, *, kind: str = "") -> str:
    """A text file's content, decoded by :func:`decode_text`."""
    return decode_text(read_bytes(path), where=str(path), kind=kind)
