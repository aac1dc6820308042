"""The one way a user's text file is decoded."""

from __future__ import annotations

import codecs

import pytest

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import decode_text, read_text

TEXT = "touchpoint;verbatim\nlivraison;Très déçu — colis abîmé\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 LE", "utf-16 BE", "cp1252"],
)
def test_the_encodings_users_save(data):
    assert decode_text(data, where="f.csv") == TEXT


def test_latin1_when_cp1252_cannot_decode():
    # 0x81 is undefined in cp1252: the text is read as Latin-1, nothing is lost
    assert decode_text(b"caf\xe9 \x81", where="f.csv") == "café \x81"


def test_binary_file_is_refused_naming_the_file():
    with pytest.raises(ValidationError) as info:
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", where="logo.csv", kind="CSV")
    assert info.value.detail == "this is a binary file, not text (CSV)"
    assert info.value.where == "logo.csv"


def test_unreadable_file_names_the_file(tmp_path):
    with pytest.raises(ValidationError) as info:
        read_text(tmp_path / "missing.yaml")
    assert "cannot read the file" in str(info.value)
    assert info.value.where == str(tmp_path / "missing.yaml")
    assert read_text(_write(tmp_path, codecs.BOM_UTF8 + b"a: 1\n")) == "a: 1\n"


def _write(tmp_path, data: bytes):
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    return path
