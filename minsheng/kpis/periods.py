"""Periods in a town's local time: `2026`, `2026-10`, `2026-Q4`, `2026-10-01..2026-10-31`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from minsheng.core.dates import check_year
from minsheng.core.errors import InvalidInput


@dataclass(frozen=True)
class Period:
    label: str
    first: date  # first local day
    last: date  # last local day (inclusive)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes at local midnight."""
        start = datetime.combine(self.first, time.min, tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=tz)
        return start, end


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse(text: str) -> Period:
    period = _parse(text)
    check_year("period", period.first)
    check_year("period", period.last)
    return period


def _parse(text: str) -> Period:
    p = (text or "").strip()
    try:
        if m := re.fullmatch(r"(\d{4})", p):
            y = int(m.group(1))
            return Period(p, date(y, 1, 1), date(y, 12, 31))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", p):
            y, mo = int(m.group(1)), int(m.group(2))
            return Period(f"{y}-{mo:02d}", date(y, mo, 1), _month_end(y, mo))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", p):
            y, q = int(m.group(1)), int(m.group(2))
            return Period(f"{y}-Q{q}", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", p):
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            if last < first:
                raise InvalidInput("period: 结束日期早于开始日期", field="period")
            return Period(p, first, last)
    except ValueError as exc:
        raise InvalidInput(f"period: 日期无效（{exc}）", field="period") from exc
    raise InvalidInput("period: 格式应为 2026、2026-10、2026-Q4 或 2026-10-01..2026-10-31", field="period")
