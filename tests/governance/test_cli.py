"""The ``cxpilot governance`` commands: the check contract, export and import."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.governance.models import Activity, RaciCell

runner = CliRunner()


def test_check_prints_problems_as_json(tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text(
        "activity,mkt,svc,ops\n"
        "voc,A/R,C,I\n"
        "loop,A,A/C,R\n"  # two Accountables
        "kpis,R,X,\n"  # unknown code, no Accountable, nobody C or I
        "voc,R,A,I\n"  # listed twice
    )
    result = runner.invoke(app, ["governance", "check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["problems"]
    found = [(p["code"], p["activity"], p["department"]) for p in report["problems"]]
    assert found == [
        ("multiple_accountable", "loop", None),
        ("unknown_code", "kpis", "svc"),
        ("no_accountable", "kpis", None),
        ("nobody_consulted_or_informed", "kpis", None),
        ("duplicate_activity", "voc", None),
    ]
    assert all(set(p) == {"code", "activity", "department", "detail"} for p in report["problems"])
    assert "line 2" in report["problems"][-1]["detail"]


def test_check_thresholds_are_options(tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text("activity,mkt,svc\na,A/R,I\nb,A/R,I\nc,A/R,C\n")
    result = runner.invoke(app, ["governance", "check", str(path), "-f", "json"])
    codes = [p["code"] for p in json.loads(result.stdout)["problems"]]
    assert codes == ["idle_department"]
    result = runner.invoke(
        app,
        [
            "governance",
            "check",
            str(path),
            "-f",
            "json",
            "--max-r-or-a",
            "2",
            "--max-informed",
            "1",
        ],
    )
    problems = json.loads(result.stdout)["problems"]
    assert [p["code"] for p in problems] == ["overloaded_department", "idle_department"]
    assert problems[0]["department"] == "mkt" and problems[0]["activity"] is None


def test_check_csv_and_table_formats(tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text("activity,mkt\na,R\n")
    result = runner.invoke(app, ["governance", "check", str(path), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["code"] for r in rows] == ["no_accountable", "nobody_consulted_or_informed"]
    assert rows[0]["department"] == ""
    result = runner.invoke(app, ["governance", "check", str(path)])
    assert result.exit_code == 0 and "no_accountable" in result.stdout


def test_bad_files_exit_2_naming_where(tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text("")
    result = runner.invoke(app, ["governance", "check", str(path)])
    assert result.exit_code == 2 and "raci.csv: the file is empty" in result.stderr
    path.write_text("department,mkt\nvoc,A\n")
    result = runner.invoke(app, ["governance", "check", str(path)])
    assert result.exit_code == 2 and "raci.csv:line 1: no “activity” column" in result.stderr
    path.write_text("activity,mkt\nvoc,A,R\n")
    result = runner.invoke(app, ["governance", "check", str(path)])
    assert result.exit_code == 2 and "line 2, column 3" in result.stderr
    result = runner.invoke(app, ["governance", "check", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "cannot read the file" in result.stderr


def test_export_import_round_trip(org, tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text(
        "activity,name,ecommerce,service\n"
        "close_loop_website,,A/R,C\n"
        "custom_one,A custom activity,i,r/a\n"
    )
    result = runner.invoke(app, ["governance", "import", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["activities_added"] == 2 and report["cells_changed"] == 4
    assert RaciCell.objects.get(activity__key="custom_one", department__key="service").code == "A/R"
    result = runner.invoke(app, ["governance", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    exported = result.stdout
    assert exported.splitlines()[0] == "activity,name,ecommerce,service"
    assert "custom_one,A custom activity,I,A/R" in exported
    out = tmp_path / "again.csv"
    result = runner.invoke(app, ["governance", "export", "--output", str(out), "-f", "json"])
    assert json.loads(result.stdout)["activities"] == 2
    result = runner.invoke(app, ["governance", "import", str(out), "-f", "json"])
    assert json.loads(result.stdout)["cells_changed"] == 0  # same RACI
    result = runner.invoke(app, ["governance", "export", "-f", "json"])
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "activity": "close_loop_website",
        "name": "close_loop_website",
        "ecommerce": "A/R",
        "service": "C",
    }


def test_bad_import_leaves_nothing_stored(org, tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text("activity,ecommerce,service,legal\nnew_one,A/R,C,\nother,A/R,Z,\nnew_one,R,,\n")
    result = runner.invoke(app, ["governance", "import", str(path)])
    assert result.exit_code == 2
    assert "raci.csv:line 1: legal is not a department key" in result.stderr
    assert "raci.csv:line 3: service is not a RACI code" in result.stderr
    assert "raci.csv:line 4: activity the activity is already listed at line 2" in result.stderr
    assert "nothing was imported" in result.stderr.splitlines()[-1]
    assert Activity.objects.count() == 0 and RaciCell.objects.count() == 0


def test_check_the_stored_raci(org, tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text("activity,ecommerce,service\nvoc,A/R,\n")
    runner.invoke(app, ["governance", "import", str(path)])
    result = runner.invoke(app, ["governance", "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = [
        (p["code"], p["activity"], p["department"]) for p in json.loads(result.stdout)["problems"]
    ]
    assert found == [
        ("nobody_consulted_or_informed", "voc", None),
        ("idle_department", None, "service"),
    ]


def test_check_finds_an_activity_repeated_in_other_case_and_spaces(tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text(
        "activity;marketing;service;ops\n"
        "Promesse de marque;A/R;C;I\n"
        "Écoute client;C;A/R;I\n"
        "promesse de marque ;R;A;I\n"
        "ECOUTE-CLIENT;R;A;I\n"
    )
    result = runner.invoke(app, ["governance", "check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)["problems"]
    found = [(p["code"], p["activity"]) for p in problems]
    assert found == [
        ("duplicate_activity", "promesse de marque"),
        ("duplicate_activity", "ECOUTE-CLIENT"),
        ("idle_department", None),
    ]
    assert "line 2" in problems[0]["detail"] and "line 3" in problems[1]["detail"]


def test_a_raci_csv_with_a_value_over_the_field_limit_exits_2(tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text('activity,mkt\nvoc,"' + "A" * (csv.field_size_limit() + 1) + '"\n')
    result = runner.invoke(app, ["governance", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:line 2: a value is longer than" in result.stderr


def test_the_stored_raci_finds_an_activity_repeated_under_another_writing(org, tmp_path):
    path = tmp_path / "raci.csv"
    path.write_text(
        "activity,name,ecommerce,service\n"
        "brand-promise,Promesse de marque,A/R,C\n"
        "brand_promise_2,promesse de marque ,A/R,I\n"
    )
    result = runner.invoke(app, ["governance", "import", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["governance", "check", "--format", "json"])
    found = [(p["code"], p["activity"]) for p in json.loads(result.stdout)["problems"]]
    assert ("duplicate_activity", "brand_promise_2") in found
