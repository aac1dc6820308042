"""What the tests of survey-tool imports share: the fixture exports, copies of them with some
text replaced, and mapping files."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "survey_tools"


def fixture(name: str) -> Path:
    return FIXTURES / f"{name}.csv"


def write_mapping(tmp_path: Path, text: str, name: str = "survey.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    """A copy of a fixture with some text replaced (once each), line endings kept."""
    text = fixture(name).read_bytes().decode("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(text.encode("utf-8"))
    return path
