"""The range of dates the platform accepts from outside.

Python's calendar ends at year 9999 and starts at year 1; a period or a date at either end overflows
as soon as the code adds a day or converts to UTC (a 5xx). No demand, project or KPI of a town lies
outside these years, so anything outside is refused as invalid input, naming the field."""

from __future__ import annotations

from datetime import date

from .errors import InvalidInput

MIN_YEAR = 1970
MAX_YEAR = 2999


def year_in_range(day: date) -> bool:
    return MIN_YEAR <= day.year <= MAX_YEAR


def check_year(field: str, day: date) -> date:
    """`day` itself, or InvalidInput naming `field` when its year is outside MIN_YEAR..MAX_YEAR."""
    if not year_in_range(day):
        raise InvalidInput(f"{field}: 年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间", field=field)
    return day
