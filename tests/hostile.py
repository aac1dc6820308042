"""The hostile strings every test of user-supplied text draws from: markup, SQL-ish text,
template syntax, control characters, right-to-left and emoji, very long text.

``HOSTILE`` is the one markup payload pages must escape (to ``HOSTILE_ESCAPED``).
``HOSTILE_STRINGS`` can be stored by every database; ``HOSTILE_RAW`` adds what no database
stores (a NUL byte, a lone surrogate) for code that never reaches one."""

from __future__ import annotations

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

HOSTILE_STRINGS: tuple[str, ...] = (
    HOSTILE,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'; DROP TABLE responses; --",
    "{{ 7|add:7 }} {% debug %}",
    "\x01\x02\x1b[31m bell\x07",
    "\u202eRTL override\u202c and \u200bzero width",
    "مرحبا، التوصيل متأخر",
    "emoji 😀👍🏽 family 👨‍👩‍👧",
    "line one\nline two\r\nthree\ttab",
    "",
    "   ",
    "x" * 200_000,
)

HOSTILE_RAW: tuple[str, ...] = (*HOSTILE_STRINGS, "NUL \x00 byte", "\ud800 lone surrogate")
