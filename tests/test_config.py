"""Settings from the environment are checked at start, with the variable named in the error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

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
        ("CXPILOT_MATURITY_MODEL", "/no/such/model.yaml", "is not a file"),
        ("CXPILOT_SURVEY_RATE_PER_IP", "abc", "'abc' is not a whole number"),
        ("CXPILOT_SURVEY_RATE_PER_IP", "0", "'0' must be a whole number of at least 1"),
        ("CXPILOT_SURVEY_RATE_PER_IP", "-1", "'-1' must be a whole number of at least 1"),
        ("CXPILOT_SURVEY_RATE_PER_KEY", "1.5", "is not a whole number"),
        ("CXPILOT_SURVEY_MAX_BODY", "64k", "is not a whole number"),
        ("CXPILOT_TRUSTED_PROXIES", "10.0.0.1, proxy.local", "'proxy.local', which is not"),
        ("CXPILOT_WAREHOUSE_URL", "pyspark:///data/a\tb", "holds a control character"),
        ("CXPILOT_WAREHOUSE_URL", "sc://[::1", "is not a URL"),
    ],
)
def test_bad_values_are_named(tmp_path, name, value, message):
    with pytest.raises(ConfigError) as info:
        config.load({"CXPILOT_HOME": str(tmp_path), name: value})
    assert info.value.where == name
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("CXPILOT_WAREHOUSE_URL", "sc://[::1/;token=SUPERSECRET", "SUPERSECRET"),
        ("CXPILOT_WAREHOUSE_URL", "oracle://u:hunter2@[::1/x", "hunter2"),
        ("CXPILOT_WAREHOUSE_URL", "oracle://u:hunter2@db/x", "hunter2"),
        ("CXPILOT_SMTP_URL", "mail://alerts:s3cret@mail.example.com", "s3cret"),
        ("CXPILOT_SECRET_KEY", "tooshort-but-secret", "tooshort"),
    ],
)
def test_a_refused_value_keeps_its_secret(tmp_path, name, value, secret):
    with pytest.raises(ConfigError) as info:
        config.load({"CXPILOT_HOME": str(tmp_path), name: value})
    assert info.value.where == name and "***" in str(info.value)
    assert secret not in str(info.value)


def test_an_engines_error_is_scrubbed_of_the_urls_secrets(tmp_path):
    url = "sc://u:p%40ss-word@host:1/;token=TOP/SECRET==;use_ssl=true"
    text = (
        "Parameter 'token=TOP/SECRET==' is bad; target 'u:p%40ss-word@host:1' or "
        "p@ss-word; see sc://x:other@y"
    )
    said = config.scrubbed(text, url)
    assert "SECRET" not in said and "ss-word" not in said and "other" not in said
    assert said.startswith("Parameter 'token=***' is bad; target 'u:***@host:1'")
    assert (
        config.masked_url("sc://h:1/?database=cx;token=SECRET") == "sc://h:1/?database=cx;token=***"
    )
    assert config.masked_url("pyspark:///x?token=SECRET") == "pyspark:///x?token=***"
    assert config.lower_scheme("PySpark:///Data/X") == "pyspark:///Data/X"
    loaded = config.load({"CXPILOT_HOME": str(tmp_path), "CXPILOT_WAREHOUSE_URL": "SC://h:1"})
    assert loaded.warehouse_url == "sc://h:1"


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


def test_survey_limits_have_defaults_and_take_values(tmp_path):
    default = config.load({"CXPILOT_HOME": str(tmp_path)})
    assert (default.survey_rate_per_ip, default.survey_rate_per_key) == (60, 1200)
    assert default.survey_max_body == 64 * 1024
    loaded = config.load(
        {
            "CXPILOT_HOME": str(tmp_path),
            "CXPILOT_SURVEY_RATE_PER_IP": "2",
            "CXPILOT_SURVEY_RATE_PER_KEY": " 5 ",
            "CXPILOT_SURVEY_MAX_BODY": "1_000",
        }
    )
    assert (loaded.survey_rate_per_ip, loaded.survey_rate_per_key) == (2, 5)
    assert loaded.survey_max_body == 1000


def test_trusted_proxies_are_addresses_and_networks(tmp_path):
    import ipaddress

    assert config.load({"CXPILOT_HOME": str(tmp_path)}).trusted_proxies is None
    loaded = config.load(
        {"CXPILOT_HOME": str(tmp_path), "CXPILOT_TRUSTED_PROXIES": " 10.0.0.5, 172.16.0.0/12,::1"}
    )
    assert loaded.trusted_proxies == (
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("172.16.0.0/12"),
        ipaddress.ip_network("::1/128"),
    )
    shown = {row["name"]: row["value"] for row in config.describe(loaded)}
    assert shown["CXPILOT_TRUSTED_PROXIES"] == "10.0.0.5/32,172.16.0.0/12,::1/128"


def test_every_setting_reaches_django_settings(tmp_path):
    """The environment is read by config, once, and shown to the code as Django settings."""
    env = {
        **os.environ,
        "CXPILOT_HOME": str(tmp_path),
        "CXPILOT_SURVEY_RATE_PER_IP": "2",
        "CXPILOT_SURVEY_MAX_BODY": "4096",
        "DJANGO_SETTINGS_MODULE": "cxpilot.settings",
    }
    env.pop("CXPILOT_DATABASE_URL", None)
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CXPILOT_SURVEY_RATE_PER_IP, s.CXPILOT_SURVEY_RATE_PER_KEY, "
        "s.CXPILOT_SURVEY_MAX_BODY, s.CXPILOT_MATURITY_MODEL)"
    )
    child = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["2", "1200", "4096", "None"]


def test_a_low_rate_per_ip_refuses_the_third_post(client, org, settings):
    from cxpilot.surveys import services
    from tests.surveys.test_surveys import survey_definition

    survey = services.survey_create(actor=None, definition=survey_definition())
    loaded = config.load(
        {"CXPILOT_HOME": str(settings.CXPILOT_HOME), "CXPILOT_SURVEY_RATE_PER_IP": "2"}
    )
    settings.CXPILOT_SURVEY_RATE_PER_IP = loaded.survey_rate_per_ip
    cache.clear()
    statuses = [
        client.post(
            "/api/v1/responses",
            {"answers": {"nps": 9}},
            content_type="application/json",
            headers={"X-Survey-Key": survey.public_key},
        ).status_code
        for _ in range(3)
    ]
    cache.clear()
    assert statuses == [202, 202, 429]


def test_maturity_model_setting_is_used(tmp_path, monkeypatch):
    from cxpilot.maturity import catalog

    own = tmp_path / "model.yaml"
    shipped = catalog.MODEL_FILE.read_text()
    own.write_text(shipped.replace("en: CX Pilot maturity model", "en: Our own model", 1))
    assert catalog.model_load().name["en"] == "CX Pilot maturity model"
    monkeypatch.setenv("CXPILOT_MATURITY_MODEL", str(own))
    assert catalog.model_load().name["en"] == "Our own model"
    monkeypatch.setenv("CXPILOT_MATURITY_MODEL", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError) as info:
        catalog.model_load()
    assert info.value.where == "CXPILOT_MATURITY_MODEL"


def test_settings_command_lists_every_declared_setting(monkeypatch, tmp_path):
    import json

    from typer.testing import CliRunner

    from cxpilot.cli import app

    monkeypatch.setenv("CXPILOT_HOME", str(tmp_path))
    monkeypatch.setenv("CXPILOT_SURVEY_RATE_PER_IP", "7")
    monkeypatch.delenv("CXPILOT_SECRET_KEY", raising=False)
    result = CliRunner().invoke(app, ["settings", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert list(rows) == [s.name for s in config.SETTINGS]
    assert rows["CXPILOT_SURVEY_RATE_PER_IP"]["value"] == "7"
    assert rows["CXPILOT_SURVEY_MAX_BODY"]["value"] == "65536"
    assert rows["CXPILOT_MATURITY_MODEL"]["value"] == "(unset: the shipped model)"
    assert rows["CXPILOT_SECRET_KEY"]["value"] == "(generated once, kept in the data directory)"
    assert (tmp_path / "secret_key").read_text() not in result.stdout


def test_docs_settings_table_is_generated_from_the_declarations():
    docs = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    table = config.markdown_table()
    assert table in docs, (
        "the settings table of docs/cli.md differs from the settings declared in "
        "src/cxpilot/config.py; regenerate it with `python -m cxpilot.config --markdown` "
        "and paste the output over the table"
    )
