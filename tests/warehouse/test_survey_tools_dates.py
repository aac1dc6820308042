"""Survey tools' dates as they really write them: 12-hour clocks, time-zone abbreviations and
offsets, year-first and day-first forms, Qualtrics's time zone of a date column; each stored
in the warehouse's convention (a time with an offset or zone as UTC, one without as written),
and each date that is none refused with its line and column, nothing written."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.connection import counts, warehouse
from cxpilot.warehouse.services import table_import
from cxpilot.warehouse.survey_tools import (
    ZONE_ABBREVIATIONS,
    DateProblem,
    convert_date,
    read_date,
)
from tests.warehouse.exports import fixture, variant, write_mapping

DENVER = zoneinfo.ZoneInfo("America/Denver")
runner = CliRunner()


def import_export(path: Path, tool: str, mapping: Path | None = None, **kwargs):
    return table_import(
        table="responses", path=path, survey_tool=tool, mapping_path=mapping, **kwargs
    )


def stamps() -> list[str]:
    """The stored timestamps, in ISO 8601, in order of the respondents' customer ids."""
    with warehouse() as con:
        rows = con.table("responses").order_by("response_id").to_pyarrow().to_pylist()
    by_customer = sorted((r["customer_id"], r["timestamp"].isoformat()) for r in rows)
    return [stamp for _, stamp in by_customer]


def refused(path: Path, tool: str, mapping: Path | None = None, **kwargs) -> str:
    """The text of the error an import of ``path`` raises (problems included); checks that
    nothing was written."""
    before = counts()
    with pytest.raises(ValidationError) as info:
        import_export(path, tool, mapping, **kwargs)
    assert counts() == before
    error = info.value
    return " | ".join(
        [str(error), *(f"{p.where}: {p.column} {p.reason} ({p.value})" for p in error.problems)]
    )


# --------------------------------------------------------------------------- one value


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        # 12-hour clocks
        ("2024/05/01 9:23:58 AM", None, "2024-05-01T09:23:58"),
        ("2024/05/01 9:23 pm", None, "2024-05-01T21:23:00"),
        ("2024/05/01 09:23:58 a.m.", None, "2024-05-01T09:23:58"),
        ("2024/05/01 12:00:00 AM", None, "2024-05-01T00:00:00"),
        ("2024/05/01 12:00:00 PM", None, "2024-05-01T12:00:00"),
        ("05/01/2024 09:23:58 P.M.", "mdy", "2024-05-01T21:23:58"),
        # day first, with slashes or dots
        ("01/05/2024 09:23:58", "dmy", "2024-05-01T09:23:58"),
        ("1.5.2024 9:23", "dmy", "2024-05-01T09:23:00"),
        ("01/05/2024", "dmy", "2024-05-01T00:00:00"),
        ("01/05/2024 09:23:58", "mdy", "2024-01-05T09:23:58"),
        # zone abbreviations, from the documented table
        ("2024/05/01 9:23:58 AM AST", None, "2024-05-01T13:23:58"),
        ("2024/01/15 9:00:00 AM EST", None, "2024-01-15T14:00:00"),
        ("2024/07/15 9:00:00 AM EDT", None, "2024-07-15T13:00:00"),
        ("2024/01/15 9:00:00 AM CST", None, "2024-01-15T15:00:00"),
        ("2024/01/15 9:00:00 AM PST", None, "2024-01-15T17:00:00"),
        ("2024-01-15 09:00:00 GMT", None, "2024-01-15T09:00:00"),
        ("2024-01-15 09:00:00 UTC", None, "2024-01-15T09:00:00"),
        ("15/01/2024 09:00:00 CET", "dmy", "2024-01-15T08:00:00"),
        ("15/07/2024 09:00:00 CEST", "dmy", "2024-07-15T07:00:00"),
        ("2024-07-15 09:00:00 BST", None, "2024-07-15T08:00:00"),
        # offsets
        ("2024-05-01 09:23:58 +02:00", None, "2024-05-01T07:23:58"),
        ("2024-05-01 09:23:58 -0400", None, "2024-05-01T13:23:58"),
        ("2024-05-01T09:23:58Z", None, "2024-05-01T09:23:58"),
        ("2024/05/01 9:23:58 AM GMT+2", None, "2024-05-01T07:23:58"),
        ("2024/05/01 9:23:58 AM UTC-4", None, "2024-05-01T13:23:58"),
        ("2024/05/01 9:23:58 AM GMT+5:30", None, "2024-05-01T03:53:58"),
        ("2024-05-01 09:23:58.250 +02:00", None, "2024-05-01T07:23:58.250000"),
        # a zone across midnight and a year
        ("2024/12/31 11:30:00 PM EST", None, "2025-01-01T04:30:00"),
        # without a zone: as written
        ("2024-05-01 09:23:58", None, "2024-05-01T09:23:58"),
    ],
)
def test_read_date(value, order, expected):
    assert read_date(value, order).iso == expected


def test_a_zone_or_offset_gives_what_an_iso_timestamp_with_that_offset_gives():
    """The warehouse's convention (validate): an ISO 8601 time with an offset is stored in
    UTC, without its offset."""
    for value, offset in (
        ("2024/05/01 9:23:58 AM AST", "-04:00"),
        ("2024/05/01 9:23:58 AM GMT+2", "+02:00"),
        ("2024-05-01 09:23:58 CEST", "+02:00"),
        ("2024-05-01 09:23:58 -0330", "-03:30"),
    ):
        iso = dt.datetime.fromisoformat(f"2024-05-01T09:23:58{offset}")
        assert read_date(value, None).iso == iso.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def test_every_abbreviation_of_the_table_is_read():
    for name, hours in ZONE_ABBREVIATIONS.items():
        if name == "Z":
            continue
        moment = dt.datetime(2024, 5, 1, 12) - dt.timedelta(hours=hours)
        assert read_date(f"2024-05-01 12:00:00 {name}", None).iso == moment.isoformat(), name


@pytest.mark.parametrize(
    ("value", "order", "reason"),
    [
        ("31/02/2024 10:00", "dmy", "is 31 February 2024, read as day/month/year, a day that"),
        ("02/31/2024 10:00", "mdy", "is 31 February 2024, read as month/day/year"),
        ("29/02/2023", "dmy", "is 29 February 2023"),
        ("2024/02/30 9:00:00 AM", None, "is 30 February 2024"),
        ("13/13/2024", "dmy", "has no month 13"),
        ("2024/05/01 13:00:00 PM", None, "has the hour 13 with PM"),
        ("2024-05-01 24:00:00", None, "has no time 24:00:00"),
        ("2024-05-01 09:61:00", None, "has no time 09:61:00"),
        ("2024-05-01 09:23:58 XYZ", None, "has the time zone 'XYZ', which is not an abbreviation"),
        ("2024-05-01 09:23:58 IST", None, "IST, which is India (+05:30), Ireland"),
        ("2024-05-01 09:23:58 +15:00", None, "beyond UTC±14:00"),
    ],
)
def test_dates_that_are_none_are_refused_with_why(value, order, reason):
    with pytest.raises(DateProblem) as info:
        read_date(value, order)
    assert reason in str(info.value)
    assert convert_date(value, order) == value  # left for validation to refuse


def test_values_that_are_no_date_are_left_as_they_are():
    for value in ("hier soir", "9:23", "2024", "01/05/24 09:00"):
        assert read_date(value, "dmy").iso == value


def test_day_and_month_need_an_order():
    assert read_date("01/05/2024 09:23:58", None).iso == "01/05/2024 09:23:58"


def test_a_named_zone_across_its_daylight_saving_changes():
    """America/Denver: clocks go forward at 02:00 on 10 March 2024 (MST -7 to MDT -6) and
    back at 02:00 on 3 November 2024."""
    assert read_date("2024-03-10 01:59:59", None, DENVER).iso == "2024-03-10T08:59:59"
    assert read_date("2024-03-10 03:00:00", None, DENVER).iso == "2024-03-10T09:00:00"
    for skipped in ("2024-03-10 02:00:00", "2024-03-10 02:30:00", "2024-03-10 02:59:59"):
        with pytest.raises(DateProblem, match="does not exist in America/Denver"):
            read_date(skipped, None, DENVER)
    twice = read_date("2024-11-03 01:30:00", None, DENVER)
    assert (twice.iso, twice.repeated_hour) == ("2024-11-03T07:30:00", True)  # the first, MDT
    after = read_date("2024-11-03 02:00:00", None, DENVER)
    assert (after.iso, after.repeated_hour) == ("2024-11-03T09:00:00", False)  # MST
    assert read_date("2024-07-01 12:00:00", None, DENVER).iso == "2024-07-01T18:00:00"
    assert read_date("2024-12-31 23:59:59", None, DENVER).iso == "2025-01-01T06:59:59"
    # an offset written in the value wins over the column's zone
    assert read_date("2024-07-01 12:00:00 +00:00", None, DENVER).iso == "2024-07-01T12:00:00"


def test_europe_paris_across_its_changes():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert read_date("2024-03-31 01:59:59", None, paris).iso == "2024-03-31T00:59:59"
    assert read_date("2024-03-31 03:00:00", None, paris).iso == "2024-03-31T01:00:00"
    with pytest.raises(DateProblem):
        read_date("2024-03-31 02:15:00", None, paris)
    assert read_date("2024-10-27 02:30:00", None, paris).iso == "2024-10-27T00:30:00"


# --------------------------------------------------------------------------- exports, end to end


@pytest.fixture
def website(tmp_path: Path) -> Path:
    return write_mapping(tmp_path, "touchpoint: website\n")


def test_google_forms_year_first_12_hour_clock_atlantic_time(org, website):
    name = "google_forms_year_first_12h_zone_abbreviations"
    report = import_export(fixture(name), "google-forms", website)
    assert (report.rows_added, report.rows_rejected) == (4, 0)
    assert sorted(stamps()) == [
        "2024-05-01T13:23:58",  # 9:23:58 AM AST (UTC-4)
        "2024-05-01T16:05:00",  # 12:05:00 PM
        "2024-05-02T04:30:10",  # 12:30:10 AM, just after midnight
        "2024-05-03T03:59:59",  # 11:59:59 PM, the next day in UTC
    ]


def test_google_forms_north_american_zones_across_daylight_saving(org, website):
    import_export(fixture("google_forms_year_first_12h_us_zones"), "google-forms", website)
    assert sorted(stamps()) == [
        "2024-03-10T02:23:58",  # 9:23:58 PM EST (UTC-5)
        "2024-03-11T13:23:58",  # 9:23:58 AM EDT (UTC-4)
        "2024-07-05T01:00:00",  # 6:00:00 PM PDT (UTC-7)
        "2024-11-29T14:15:00",  # 8:15:00 AM CST (UTC-6)
    ]


def test_google_forms_gmt_offsets(org, website):
    import_export(fixture("google_forms_year_first_gmt_offsets"), "google-forms", website)
    assert sorted(stamps()) == [
        "2024-05-01T03:53:58",  # GMT+5:30
        "2024-05-01T07:23:58",  # GMT+2
        "2024-05-01T09:23:58",  # GMT
        "2024-05-01T13:23:58",  # GMT-4
    ]


def test_the_dry_run_says_the_times_were_converted(org, website):
    path = str(fixture("google_forms_year_first_12h_zone_abbreviations"))
    args = ["import", "responses", path, "--from", "google-forms", "--mapping", str(website)]
    result = runner.invoke(app, [*args, "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert any(
        "4 respondent(s) with a time zone or offset" in n and "converted to UTC" in n
        for n in shown["survey"]["notes"]
    ), shown["survey"]["notes"]
    assert shown["preview"][0]["timestamp"] == "2024-05-01T13:23:58"
    assert counts()["responses"] == 0


def test_day_first_dotted_dates_need_the_date_order_which_the_command_line_gives(
    org, website, tmp_path
):
    path = fixture("google_forms_dotted_day_first")  # no day above 12: the order is unknown
    text = refused(path, "google-forms", website)
    assert "google_forms_dotted_day_first.csv:Timestamp" in text
    assert "cannot tell whether the dates are day/month or month/day" in text
    assert "--date-order dmy or mdy" in text
    args = ["import", "responses", str(path), "--from", "google-forms", "--mapping", str(website)]
    result = runner.invoke(app, [*args, "--date-order", "dmy", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert sorted(stamps()) == [
        "2024-05-01T09:23:58",  # 1.5.2024 9:23:58: 1 May
        "2024-05-02T18:04:10",
        "2024-05-12T07:00:00",
    ]


def test_the_command_line_date_order_wins_over_the_mapping(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\ndate_order: mdy\n")
    path = fixture("google_forms_dotted_day_first")
    preview = runner.invoke(
        app,
        [
            "import",
            "responses",
            str(path),
            "--from",
            "google-forms",
            "--mapping",
            str(mapping),
            "--dry-run",
            "--format",
            "json",
        ],
    )
    assert json.loads(preview.stdout)["survey"]["date_order"] == "mdy"  # the mapping's
    import_export(path, "google-forms", mapping, date_order="dmy")
    assert sorted(stamps())[0] == "2024-05-01T09:23:58"


def test_the_mapping_date_order_still_reads_the_export(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\ndate_order: dmy\n")
    import_export(fixture("google_forms_dotted_day_first"), "google-forms", mapping)
    assert sorted(stamps())[-1] == "2024-05-12T07:00:00"


def test_surveymonkey_day_first_with_a_m_and_p_m(org, website):
    report = import_export(
        fixture("surveymonkey_day_first_12h_am_pm_dotted"), "surveymonkey", website
    )
    assert report.rows_added == 3
    assert sorted(stamps()) == [
        "2024-05-01T09:23:58",  # 01/05/2024 09:23:58 a.m. (13/05 tells day first)
        "2024-05-13T12:04:10",  # 12:04:10 p.m.
        "2024-06-03T00:00:30",  # 03/06/2024 12:00:30 a.m.
    ]


def test_qualtrics_times_are_converted_from_the_time_zone_of_their_column(org):
    path = fixture("qualtrics_denver_time_zone_dst")
    result = runner.invoke(
        app,
        ["import", "responses", str(path), "--from", "qualtrics", "--dry-run", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    why = {row["column"]: row["why"] for row in shown["mapping"]}
    assert "times in America/Denver, converted to UTC" in why["RecordedDate"]
    notes = " | ".join(shown["survey"]["notes"])
    assert "RecordedDate is written in America/Denver" in notes and "converted to UTC" in notes
    assert "1 time(s) in the hour the clocks go through twice" in notes and "line 7" in notes
    import_export(path, "qualtrics")
    assert stamps() == [
        "2024-03-10T08:59:59",  # 01:59:59 MST, just before the clocks go forward
        "2024-03-10T09:00:00",  # 03:00:00 MDT, just after
        "2024-07-01T18:00:00",  # summer: UTC-6
        "2024-11-03T07:30:00",  # 01:30 happens twice: the first (MDT)
        "2025-01-01T06:59:59",  # winter: UTC-7, the next year in UTC
    ]


def test_a_qualtrics_time_the_clocks_skipped_is_refused_at_its_line(org, tmp_path):
    path = variant(
        tmp_path,
        "qualtrics_denver_time_zone_dst",
        (",2024-03-10 03:00:00,R_02", ",2024-03-10 02:30:00,R_02"),
    )
    text = refused(path, "qualtrics")
    assert "qualtrics_denver_time_zone_dst.csv:line 5:RecordedDate: timestamp" in text
    assert "is a time that does not exist in America/Denver" in text


def test_an_unknown_time_zone_of_a_qualtrics_column_is_refused(org, tmp_path):
    path = variant(tmp_path, "qualtrics_denver_time_zone_dst", ("America/Denver", "Mountain Time"))
    text = refused(path, "qualtrics")
    assert "qualtrics_denver_time_zone_dst.csv:line 3:StartDate" in text
    assert "'Mountain Time' of this date column is not an IANA time zone" in text


def test_a_day_that_does_not_exist_is_refused_with_its_line(org, tmp_path):
    mapping = write_mapping(tmp_path, "touchpoint: website\ndate_order: dmy\n")
    path = variant(
        tmp_path, "google_forms_dotted_day_first", ("2.5.2024 18:04:10", "31.2.2024 18:04:10")
    )
    text = refused(path, "google-forms", mapping)
    assert (
        "google_forms_dotted_day_first.csv:line 3:Timestamp: timestamp is not a date as Google"
        in text
    )
    assert "it is 31 February 2024, read as day/month/year, a day that does not exist" in text
    assert "(31.2.2024 18:04:10)" in text  # the value as the export wrote it


def test_an_unknown_zone_abbreviation_is_refused_naming_it_and_its_line(org, website, tmp_path):
    name = "google_forms_year_first_12h_zone_abbreviations"
    path = variant(tmp_path, name, ("12:05:00 PM AST", "12:05:00 PM XST"))
    text = refused(path, "google-forms", website)
    assert f"{name}.csv:line 3:Timestamp: timestamp" in text
    assert "it has the time zone 'XST', which is not an abbreviation CX Pilot reads" in text
    ambiguous = variant(tmp_path, name, ("9:23:58 AM AST", "9:23:58 AM IST"))
    text = refused(ambiguous, "google-forms", website)
    assert f"{name}.csv:line 2:Timestamp" in text and "IST, which is India" in text


def test_skip_invalid_loads_the_other_dates_and_writes_why(org, website, tmp_path):
    name = "google_forms_year_first_12h_zone_abbreviations"
    path = variant(tmp_path, name, ("12:05:00 PM AST", "12:05:00 PM XST"))
    report = import_export(path, "google-forms", website, skip_invalid=True)
    assert (report.rows_added, report.rows_rejected) == (3, 1)
    rejected = Path(report.rejected_file).read_text(encoding="utf-8")
    assert "has the time zone 'XST'" in rejected


# --------------------------------------------------------------------------- the web page


@pytest.fixture
def home(settings, tmp_path):
    settings.CXPILOT_HOME = tmp_path
    return tmp_path


def test_the_import_page_date_order_reads_a_survey_tool_export(org, lead, home, tmp_path):
    mapping = b"touchpoint: website\n"
    path = fixture("google_forms_dotted_day_first")

    def upload(**fields):
        body = {
            "table": "responses",
            "survey_tool": "google-forms",
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "mapping": SimpleUploadedFile("survey.yaml", mapping),
            **fields,
        }
        return lead.post(reverse("data_import"), body)

    assert upload(date_order="ymd").status_code == 422  # the dates cannot tell their order
    page = upload(date_order="dmy")
    assert page.status_code == 200, page.content.decode()[:2000]
    assert page.context["preview"].preview[0]["timestamp"] == "2024-05-01T09:23:58"
    lead.post(reverse("data_import_confirm", args=[page.context["token"]]))
    assert sorted(stamps())[-1] == "2024-05-12T07:00:00"
