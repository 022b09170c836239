"""Recurrence rules of maintenance plans, as plain date arithmetic (no database).

daily                       every day
weekly  (weekday 0–6)       every Monday … Sunday
monthly (day 1–31)          that day of every month; a month without it uses its last day (31 → 30, 28/29)
yearly  (month, day)        that date every year (5 May before the flood season); 29 Feb → 28 Feb in
                            a common year

Dates are local dates of the town; `due_datetime` turns one into an aware datetime in the town's zone.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_noop

from minsheng.core.errors import InvalidInput

FREQUENCIES = ("daily", "weekly", "monthly", "yearly")
WEEKLY = (gettext_noop("每周一"), gettext_noop("每周二"), gettext_noop("每周三"), gettext_noop("每周四"),
          gettext_noop("每周五"), gettext_noop("每周六"), gettext_noop("每周日"))


@dataclass(frozen=True)
class Schedule:
    frequency: str
    weekday: int | None = None
    day: int | None = None
    month: int | None = None

    def validate(self) -> Schedule:
        f = self.frequency
        if f not in FREQUENCIES:
            raise InvalidInput(f"frequency: 须为 {'/'.join(FREQUENCIES)}", field="frequency")
        if f == "weekly" and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise InvalidInput("weekday: 每周计划须指定星期（0=周一 … 6=周日）", field="weekday")
        if f in ("monthly", "yearly") and (self.day is None or not 1 <= self.day <= 31):
            raise InvalidInput("day: 须为 1 到 31 之间的日期", field="day")
        if f == "yearly":
            if self.month is None or not 1 <= self.month <= 12:
                raise InvalidInput("month: 每年计划须指定月份（1–12）", field="month")
            if self.day > _days_in(2024, self.month):  # 2024 is a leap year: 29 Feb is allowed
                raise InvalidInput(f"day: {self.month} 月没有 {self.day} 日", field="day")
        return self

    def occurs_on(self, d: date) -> bool:
        f = self.frequency
        if f == "daily":
            return True
        if f == "weekly":
            return d.weekday() == self.weekday
        if f == "monthly":
            return d.day == min(self.day, _days_in(d.year, d.month))
        if f == "yearly":
            return d.month == self.month and d.day == min(self.day, _days_in(d.year, self.month))
        return False

    def occurrences(self, start: date, end: date) -> Iterator[date]:
        """Every date from `start` to `end` (both included) on which the duty falls."""
        d = start
        while d <= end:
            if self.occurs_on(d):
                yield d
            d += timedelta(days=1)

    def next_on_or_after(self, d: date) -> date:
        f = self.frequency
        if f == "daily":
            return d
        if f == "weekly":
            return d + timedelta(days=(self.weekday - d.weekday()) % 7)
        if f == "monthly":
            year, month = d.year, d.month
            while True:
                candidate = date(year, month, min(self.day, _days_in(year, month)))
                if candidate >= d:
                    return candidate
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        year = d.year
        while True:
            candidate = date(year, self.month, min(self.day, _days_in(year, self.month)))
            if candidate >= d:
                return candidate
            year += 1

    def describe(self, translate: Callable[[str], str] = str) -> str:
        """In Chinese: it goes into the facilities' stored history notes, messages and the API. `label()`
        is the same text in the language of the page."""
        f = self.frequency
        if f == "daily":
            return translate(gettext_noop("每天"))
        if f == "weekly":
            return translate(WEEKLY[self.weekday])
        if f == "monthly":
            text = gettext_noop("每月%(day)s日（小月取月末）") if self.day > 28 else gettext_noop("每月%(day)s日")
            return translate(text) % {"day": self.day}
        return translate(gettext_noop("每年%(month)s月%(day)s日")) % {"month": self.month, "day": self.day}

    def label(self) -> str:
        return self.describe(gettext)


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def due_datetime(d: date, at: time, tz: str) -> datetime:
    """The aware moment `at` o'clock on local date `d` in zone `tz`."""
    return datetime.combine(d, at, tzinfo=ZoneInfo(tz))


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()
