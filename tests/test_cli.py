"""The CLI: every command documented, formats, exit code 2 with a one-line error."""

from __future__ import annotations

import csv
import io
import json

import pytest
import typer
from typer.testing import CliRunner

from cxpilot.cli import app

runner = CliRunner()


def commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [(*prefix, c.name or c.callback.__name__) for c in group.registered_commands]
    for sub in group.registered_groups:
        found += commands(sub.typer_instance, (*prefix, sub.name))
    return found


def help_text(command: tuple[str, ...]) -> str | None:
    """The help a command declares: its ``help=`` or its docstring."""
    group = app
    for name in command[:-1]:
        group = next(g.typer_instance for g in group.registered_groups if g.name == name)
    (found,) = [
        c for c in group.registered_commands if (c.name or c.callback.__name__) == command[-1]
    ]
    return found.help or (found.callback.__doc__ if found.callback else None)


@pytest.mark.parametrize("command", commands(app), ids=" ".join)
def test_every_command_has_help_and_is_documented(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    # the command's own help text, not only the usage line and options every command has
    summary = " ".join((help_text(command) or "").split("\n\n")[0].split())
    assert summary, f"cxpilot {' '.join(command)} has no help text"
    assert summary[:40] in " ".join(result.output.split())
    with open("docs/cli.md", encoding="utf-8") as handle:
        assert f"cxpilot {' '.join(command)}" in handle.read()


HEADER = "response_id,customer_id,touchpoint,timestamp,metric,score\n"


def test_import_json_and_csv_output(org, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "r1,c1,website,2025-01-01,nps,10\n")
    result = runner.invoke(
        app, ["import", "responses", str(path), "--source", "s", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows_added"] == 1 and report["problems"] == []
    result = runner.invoke(
        app, ["import", "responses", str(path), "--source", "s", "--format", "csv"]
    )
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["rows_already_present"] == "1"


def test_bad_input_exits_2_with_where_and_why(org, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "r1,c1,website,2025-01-01,nps,12\n")
    result = runner.invoke(app, ["import", "responses", str(path)])
    assert result.exit_code == 2
    assert "a.csv:line 2: score is out of range for NPS (0–10) (value '12')" in result.stderr
    assert "nothing was imported" in result.stderr.splitlines()[-1]
    result = runner.invoke(app, ["import", "surveys", str(path)])
    assert result.exit_code == 2 and "unknown table 'surveys'" in result.stderr


def test_org_load_and_show(db, tmp_path):
    org = tmp_path / "org.yaml"
    org.write_text(
        "departments:\n  - {key: marketing, name: Marketing}\n"
        "touchpoints:\n  - {key: website, name: Site web, channel: web, phase: before, department: marketing}\n"
    )
    result = runner.invoke(app, ["org", "load", str(org), "--format", "json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["org", "show", "touchpoints", "--format", "json"])
    rows = json.loads(result.stdout)
    assert rows[0]["key"] == "website" and rows[0]["department"] == "marketing"
    org.write_text("touchpoints:\n  - {key: app, name: App, channel: telepathy}\n")
    result = runner.invoke(app, ["org", "load", str(org)])
    assert result.exit_code == 2 and "touchpoints[0].channel" in result.stderr
    org.write_text("departments: [unclosed\n")
    result = runner.invoke(app, ["org", "load", str(org)])
    assert result.exit_code == 2 and "not valid YAML" in result.stderr


def test_flush_and_users(org):
    result = runner.invoke(app, ["flush", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["flushed"] == 0
    result = runner.invoke(app, ["user", "add", "claire", "--role", "cx_lead", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["password"]
    result = runner.invoke(app, ["user", "add", "claire", "--role", "boss"])
    assert result.exit_code == 2 and "unknown role 'boss'" in result.stderr
    result = runner.invoke(app, ["user", "token", "claire", "--format", "json"])
    assert json.loads(result.stdout)["token"].startswith("cxp_")
