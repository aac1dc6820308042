"""The one rule for the free text an audit line keeps (why a pair was decided, a person merged
or erased): trimmed, required, bounded, and readable as it will be read back. Invisible
characters go: controls other than the line break, and format characters (the bidirectional
overrides that would show a reason reversed in the admin, zero-width spaces and joiners)."""

from __future__ import annotations

import unicodedata
from typing import Any

from cxpilot.kernel.errors import ValidationError

__all__ = ["MAX_REASON", "reason_text"]

MAX_REASON = 2000


def _visible(ch: str) -> bool:
    return ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf")


def reason_text(value: Any, *, required: str = "say why: a reason is required") -> str:
    """``value`` as an audit line keeps it; ``ValidationError`` on ``reason`` if empty (with
    ``required`` as the message) or longer than :data:`MAX_REASON` characters."""
    text = "".join(ch for ch in str(value or "") if _visible(ch))
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise ValidationError(required, where="reason")
    if len(text) > MAX_REASON:
        raise ValidationError(
            f"the reason is longer than {MAX_REASON:,} characters", where="reason"
        )
    return text
