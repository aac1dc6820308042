"""Months and ISO weeks: keys, bounds, neighbours and parsing, against calendar facts."""

from __future__ import annotations

import datetime as dt

import pytest

from cxpilot.kernel import periods
from cxpilot.kernel.errors import ValidationError

D = dt.date


@pytest.mark.parametrize(
    ("day", "week", "monday"),
    [
        # ISO 8601: week 1 holds the year's first Thursday
        (D(2025, 12, 29), "2026-W01", D(2025, 12, 29)),
        (D(2026, 1, 1), "2026-W01", D(2025, 12, 29)),
        (D(2026, 1, 4), "2026-W01", D(2025, 12, 29)),
        (D(2026, 1, 5), "2026-W02", D(2026, 1, 5)),
        (D(2021, 1, 3), "2020-W53", D(2020, 12, 28)),  # 2020 has 53 weeks
        (D(2024, 12, 30), "2025-W01", D(2024, 12, 30)),
        (D(2027, 1, 1), "2026-W53", D(2026, 12, 28)),
    ],
)
def test_iso_weeks_across_year_boundaries(day, week, monday):
    assert periods.iso_week(day) == week
    assert periods.week_start(day) == monday
    assert periods.period_key("week", day) == monday.isoformat()
    assert periods.parse_week(week) == monday
    assert periods.parse_week(day.isoformat()) == monday


@pytest.mark.parametrize(
    ("day", "shift", "first"),
    [
        (D(2026, 1, 15), -1, D(2025, 12, 1)),
        (D(2025, 12, 31), 1, D(2026, 1, 1)),
        (D(2026, 3, 31), -14, D(2025, 1, 1)),
        (D(2026, 5, 20), 0, D(2026, 5, 1)),
        (D(2026, 1, 1), 1 - 12, D(2025, 2, 1)),  # the dashboard's default twelve months
    ],
)
def test_month_shifts_across_years(day, shift, first):
    assert periods.month_start(day, shift) == first
    assert periods.shift_start("month", day, shift) == first


@pytest.mark.parametrize(
    ("key", "last"),
    [
        ("2024-02", D(2024, 2, 29)),  # leap year
        ("2023-02", D(2023, 2, 28)),
        ("2000-02", D(2000, 2, 29)),  # divisible by 400: leap
        ("1900-02", D(1900, 2, 28)),  # divisible by 100 only: not leap
        ("2025-12", D(2025, 12, 31)),
        ("2026-04", D(2026, 4, 30)),
    ],
)
def test_month_bounds_and_leap_days(key, last):
    assert periods.period_bounds("month", key) == (last.replace(day=1), last)
    assert periods.period_key("month", last) == key


def test_week_bounds_over_a_leap_day():
    assert periods.period_bounds("week", "2024-02-26") == (D(2024, 2, 26), D(2024, 3, 3))
    assert periods.period_bounds("week", "2024-02-29") == (D(2024, 2, 26), D(2024, 3, 3))


@pytest.mark.parametrize(
    ("grain", "key", "previous"),
    [
        ("month", "2026-01", "2025-12"),
        ("month", "2024-03", "2024-02"),
        ("week", "2026-01-05", "2025-12-29"),
        ("week", "2025-12-29", "2025-12-22"),
        ("week", "2024-03-04", "2024-02-26"),
    ],
)
def test_previous_period(grain, key, previous):
    assert periods.previous_key(grain, key) == previous


@pytest.mark.parametrize(
    ("grain", "as_of", "expected"),
    [
        ("month", D(2026, 1, 10), (D(2025, 12, 1), D(2025, 12, 31), "2025-12")),
        ("month", D(2024, 3, 1), (D(2024, 2, 1), D(2024, 2, 29), "2024-02")),
        ("week", D(2026, 1, 1), (D(2025, 12, 22), D(2025, 12, 28), "2025-12-22")),
        ("week", D(2026, 1, 5), (D(2025, 12, 29), D(2026, 1, 4), "2025-12-29")),
    ],
)
def test_last_complete_period(grain, as_of, expected):
    assert periods.last_complete(grain, as_of) == expected


def test_the_first_and_last_days_in_range_have_every_neighbour():
    for day in (periods.FIRST_DAY, periods.LAST_DAY):
        assert periods.parse_date(day.isoformat(), "day") == day
        for grain in periods.GRAINS:
            key = periods.period_key(grain, day)
            first, last = periods.period_bounds(grain, key)
            periods.previous_key(grain, key)
            periods.shift_start(grain, last, 1)
    assert periods.parse_month("2200-12") == D(2200, 12, 1)
    assert periods.parse_month("1900-01") == D(1900, 1, 1)


def test_parse_date():
    assert periods.parse_date("2024-02-29", "--from") == D(2024, 2, 29)
    assert periods.parse_date("", "--from") is None
    assert periods.parse_date(None, "--from") is None
    with pytest.raises(ValidationError) as info:
        periods.parse_date("2023-02-29", "--from")
    assert info.value.where == "--from"
    assert "'2023-02-29' is not a date (YYYY-MM-DD)" in str(info.value)


@pytest.mark.parametrize(
    ("call", "where", "message"),
    [
        (lambda: periods.parse_month("2026-13"), "month", "is not a month (YYYY-MM)"),
        (lambda: periods.parse_month("2026-1", where="m"), "m", "is not a month"),
        (lambda: periods.parse_week("2026-W54"), "week", "is not an ISO week"),
        (lambda: periods.parse_week("2025-W53"), "week", "is not an ISO week"),  # 52 weeks
        (lambda: periods.parse_week("last week"), "week", "is not a week"),
        (lambda: periods.period_key("year", D(2026, 1, 1)), "period", "month or week"),
        (lambda: periods.parse_date("0001-01-01", "--from"), "--from", "out of range"),
        (lambda: periods.parse_date("9999-12-31", "to"), "to", "years 1900 to 2200"),
        (lambda: periods.parse_month("9999-12"), "month", "out of range"),
        (lambda: periods.parse_month("0000-01"), "month", "out of range"),
        (lambda: periods.parse_week("9999-12-31"), "week", "out of range"),
        (lambda: periods.parse_week("1899-W52"), "week", "out of range"),
        (lambda: periods.period_bounds("month", "9999-12"), "month", "out of range"),
    ],
)
def test_bad_periods_are_named(call, where, message):
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.where == where
    assert message in str(info.value)
