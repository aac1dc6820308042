"""Settings from the environment are checked at start, with the variable named in the error."""

from __future__ import annotations

import pytest

from cxpilot import config
from cxpilot.kernel.errors import ConfigError


def test_defaults_put_everything_in_the_data_directory(tmp_path):
    loaded = config.load({"CXPILOT_HOME": str(tmp_path)})
    assert loaded.database_url == f"sqlite:///{tmp_path / 'app.sqlite3'}"
    assert loaded.warehouse_url == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert loaded.debug is False
    assert (tmp_path / "secret_key").read_text() == loaded.secret_key  # generated once, then kept
    assert config.load({"CXPILOT_HOME": str(tmp_path)}).secret_key == loaded.secret_key


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CXPILOT_DEBUG", "maybe", "is not a boolean"),
        ("CXPILOT_DATABASE_URL", "oracle://x", "expected one of sqlite"),
        ("CXPILOT_WAREHOUSE_URL", "/just/a/path", "has scheme '(none)'"),
        ("CXPILOT_SECRET_KEY", "short", "too short"),
        ("CXPILOT_SMTP_URL", "mail.example.com", "expected one of smtp, smtps"),
    ],
)
def test_bad_values_are_named(tmp_path, name, value, message):
    with pytest.raises(ConfigError) as info:
        config.load({"CXPILOT_HOME": str(tmp_path), name: value})
    assert info.value.where == name
    assert message in str(info.value)


def test_unusable_home(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot create data directory"):
        config.load({"CXPILOT_HOME": str(blocker / "sub")})


def test_settings_command_hides_passwords(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from cxpilot.cli import app

    monkeypatch.setenv("CXPILOT_HOME", str(tmp_path))
    monkeypatch.setenv("CXPILOT_SMTP_URL", "smtp://alerts:s3cret@mail.example.com:587?tls=1")
    result = CliRunner().invoke(app, ["settings", "--format", "json"])
    assert result.exit_code == 0
    assert "s3cret" not in result.stdout and "alerts:***@mail.example.com" in result.stdout
