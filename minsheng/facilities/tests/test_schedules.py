"""Recurrence rules: daily, weekly on a weekday, monthly with month ends clamped, yearly dates and
29 February, in the town's local time zone."""

from datetime import date, time, timedelta

import pytest

from minsheng.core.errors import InvalidInput
from minsheng.facilities.schedules import Schedule, due_datetime, local_date


def dates(s, start, end):
    return list(s.occurrences(start, end))


def test_daily_and_weekly():
    assert len(dates(Schedule("daily"), date(2026, 1, 1), date(2026, 1, 31))) == 31
    wednesdays = dates(Schedule("weekly", weekday=2), date(2026, 11, 1), date(2026, 11, 30))
    assert wednesdays == [date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18), date(2026, 11, 25)]
    assert all(d.weekday() == 2 for d in wednesdays)


def test_monthly_on_the_31st_clamps_to_the_month_end():
    s = Schedule("monthly", day=31)
    got = dates(s, date(2026, 1, 1), date(2026, 12, 31))
    assert got == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31),
                   date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31),
                   date(2026, 11, 30), date(2026, 12, 31)]
    # A leap year's February ends on the 29th.
    assert dates(s, date(2028, 2, 1), date(2028, 2, 29)) == [date(2028, 2, 29)]
    # The 30th: February again takes its last day, once.
    assert dates(Schedule("monthly", day=30), date(2026, 2, 1), date(2026, 3, 31)) == [date(2026, 2, 28),
                                                                                      date(2026, 3, 30)]


def test_yearly_before_the_flood_season():
    s = Schedule("yearly", month=5, day=5)
    assert dates(s, date(2026, 1, 1), date(2028, 12, 31)) == [date(2026, 5, 5), date(2027, 5, 5), date(2028, 5, 5)]
    assert s.next_on_or_after(date(2026, 5, 6)) == date(2027, 5, 5)
    assert s.next_on_or_after(date(2026, 5, 5)) == date(2026, 5, 5)
    assert s.describe() == "每年5月5日"


def test_yearly_on_29_february_falls_on_the_28th_in_common_years():
    s = Schedule("yearly", month=2, day=29).validate()
    got = dates(s, date(2026, 1, 1), date(2029, 12, 31))
    assert got == [date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29), date(2029, 2, 28)]
    assert s.next_on_or_after(date(2027, 3, 1)) == date(2028, 2, 29)


def test_next_occurrence_of_each_kind():
    assert Schedule("daily").next_on_or_after(date(2026, 3, 3)) == date(2026, 3, 3)
    assert Schedule("weekly", weekday=0).next_on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)
    assert Schedule("monthly", day=31).next_on_or_after(date(2026, 4, 15)) == date(2026, 4, 30)
    assert Schedule("monthly", day=15).next_on_or_after(date(2026, 12, 16)) == date(2027, 1, 15)


def test_due_moments_are_local_time():
    due = due_datetime(date(2026, 5, 5), time(17, 0), "Asia/Shanghai")
    assert due.utcoffset() == timedelta(hours=8)
    assert due.isoformat() == "2026-05-05T17:00:00+08:00"
    # 01:00 on 5 May in Shanghai is still 4 May in UTC: the local date is what counts.
    assert local_date(due - timedelta(hours=16), "Asia/Shanghai") == date(2026, 5, 5)
    assert local_date(due - timedelta(hours=16), "UTC") == date(2026, 5, 4)


@pytest.mark.parametrize("schedule, field", [
    (Schedule("hourly"), "frequency"),
    (Schedule("weekly"), "weekday"),
    (Schedule("weekly", weekday=7), "weekday"),
    (Schedule("monthly", day=0), "day"),
    (Schedule("monthly", day=32), "day"),
    (Schedule("yearly", day=5), "month"),
    (Schedule("yearly", month=2, day=30), "day"),
    (Schedule("yearly", month=4, day=31), "day"),
])
def test_bad_schedules_name_the_field(schedule, field):
    with pytest.raises(InvalidInput) as e:
        schedule.validate()
    assert e.value.field == field
