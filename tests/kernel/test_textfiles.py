"""The one way a user's text file is decoded."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import csv_error, decode_text, read_text

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


HEADER = b"touchpoint;verbatim\n"


def test_utf8_file_with_a_latin1_line_is_refused_naming_the_line():
    data = (
        HEADER + "livraison;Très bien\n".encode() + "livraison;Très bien livré\n".encode("latin-1")
    )
    with pytest.raises(ValidationError) as info:
        decode_text(data, where="answers.csv")
    assert info.value.where == "answers.csv:line 3"
    assert info.value.detail == (
        "this line is not UTF-8 while the lines before are: save the file in one encoding (UTF-8)"
    )
    assert str(info.value).startswith("answers.csv:line 3: this line is not UTF-8")


def test_latin1_file_with_a_utf8_line_is_refused_naming_the_utf8_line():
    data = (
        HEADER
        + "livraison;Très déçu\n".encode("cp1252")
        + b"magasin;ok\n"
        + "magasin;accueil soigné\n".encode()
    )
    with pytest.raises(ValidationError) as info:
        decode_text(data, where="answers.csv")
    assert info.value.where == "answers.csv:line 4"
    assert "this line is UTF-8 while the lines before are in another encoding" in str(info.value)


def test_one_line_mixing_encodings_is_refused():
    data = HEADER + "livraison;Très ".encode() + "déçu\n".encode("latin-1")
    with pytest.raises(ValidationError) as info:
        decode_text(data, where="answers.csv")
    assert info.value.where == "answers.csv:line 2"
    assert "this line is not UTF-8 while the rest is" in info.value.detail


@pytest.mark.parametrize(
    "data",
    [
        "livraison;Très bien\nmagasin;déçu\n".encode("cp1252"),  # code page from the first line
        b"a;b\nc;d\nlivraison;caf\xe9\n",  # ASCII lines then a code-page one
        b"a;b\n" + "€ é — « » ç".encode("cp1252") + b"\n",
    ],
)
def test_a_file_without_any_utf8_sequence_is_still_a_code_page(data):
    assert decode_text(data, where="f.csv") == data.decode("cp1252")


def test_a_truncated_utf8_character_at_the_end_is_named():
    data = HEADER + "livraison;Très bien\n".encode() + "x;é".encode()[:-1]
    with pytest.raises(ValidationError) as info:
        decode_text(data, where="f.csv")
    assert info.value.where == "f.csv:line 3"


def test_read_text_names_the_file_and_line_of_a_mixed_file(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_bytes("a: é\n".encode() + "b: é\n".encode("latin-1"))
    with pytest.raises(ValidationError) as info:
        read_text(path)
    assert info.value.where == f"{path}:line 2"


def test_csv_errors_become_validation_errors():
    try:
        list(csv.reader(io.StringIO('"' + "x" * (csv.field_size_limit() + 1) + '"\n')))
    except csv.Error as exc:
        error = csv_error(exc, where="big.csv:line 1")
    assert error.where == "big.csv:line 1"
    assert error.detail.startswith(f"a value is longer than {csv.field_size_limit():,} characters")
    try:
        list(csv.reader(io.StringIO('a,"b"c\n'), strict=True))
    except csv.Error as exc:
        error = csv_error(exc, where="q.csv:line 1")
    assert error.detail.startswith("not valid CSV: ")
