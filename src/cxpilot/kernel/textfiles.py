"""Reading a user's text file (no Django, so commands can use it before set-up)."""

from __future__ import annotations

from pathlib import Path

from cxpilot.kernel.errors import ValidationError

__all__ = ["read_text"]


def read_text(path: Path) -> str:
    """A text file's content: UTF-8 (with or without BOM), else cp1252; a clear error naming
    the file if it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror}", where=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")
