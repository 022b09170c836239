"""Targeted lists: who in the roster an activity or a visit is for (aged 90+ on the day of the visit,
elderly living alone in flood-prone grids…). Ages are exact on a given local date: a person born on
29 February turns a year older on 1 March in a common year."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import InvalidInput

# Ready-made lists for the desk (the labels are only shown, in the request's language).
PRESETS: dict[str, dict] = {
    "aged90": {"label": _("九十岁以上高龄老人"), "criteria": {"min_age": 90}},
    "aged80": {"label": _("八十岁以上高龄老人"), "criteria": {"min_age": 80}},
    "alone_flood": {"label": _("易涝网格独居老人（60岁以上）"),
                    "criteria": {"min_age": 60, "living_alone": True, "flood_prone": True}},
    "alone": {"label": _("独居老人（60岁以上）"), "criteria": {"min_age": 60, "living_alone": True}},
    "disabled": {"label": _("残疾人"), "criteria": {"disabled": True}},
    "low_income": {"label": _("低保户成员"), "criteria": {"low_income": True}},
}


@dataclass(frozen=True)
class Criteria:
    min_age: int | None = None
    max_age: int | None = None
    living_alone: bool = False
    flood_prone: bool = False
    disabled: bool = False
    low_income: bool = False
    grid_id: int | None = None

    @classmethod
    def from_json(cls, data: dict | None) -> Criteria:
        data = data or {}
        unknown = set(data) - {f.name for f in fields(cls)} - {"grid"}
        if unknown:
            raise InvalidInput(f"criteria: 不认识的条件 {', '.join(sorted(unknown))}", field="criteria")

        def age(key):
            v = data.get(key)
            if v in (None, ""):
                return None
            try:
                v = int(v)
            except (TypeError, ValueError):
                raise InvalidInput(f"{key}: 须为整数", field=key) from None
            if not 0 <= v <= 130:
                raise InvalidInput(f"{key}: 须在 0 到 130 之间", field=key)
            return v

        c = cls(min_age=age("min_age"), max_age=age("max_age"), living_alone=bool(data.get("living_alone")),
                flood_prone=bool(data.get("flood_prone")), disabled=bool(data.get("disabled")),
                low_income=bool(data.get("low_income")), grid_id=data.get("grid_id") or data.get("grid") or None)
        if c.min_age is not None and c.max_age is not None and c.min_age > c.max_age:
            raise InvalidInput("max_age: 不能小于 min_age", field="max_age")
        if c.grid_id is not None and not isinstance(c.grid_id, int):
            raise InvalidInput("grid_id: 须为网格编号", field="grid_id")
        return c

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    def describe(self, *, grid_name: str | None = None) -> str:
        """Who the list is for, in words (never names)."""
        parts = []
        if grid_name:
            parts.append(grid_name)
        if self.flood_prone:
            parts.append("易涝网格")
        if self.min_age is not None and self.max_age is not None:
            parts.append(f"{self.min_age}至{self.max_age}岁")
        elif self.min_age is not None:
            parts.append(f"{self.min_age}岁以上")
        elif self.max_age is not None:
            parts.append(f"{self.max_age}岁以下")
        parts.extend(w for flag, w in ((self.living_alone, "独居"), (self.disabled, "残疾"),
                                       (self.low_income, "低保")) if flag)
        elderly = self.min_age is not None and self.min_age >= 60
        noun = "老人" if elderly else "居民"
        if self.min_age is not None and self.min_age >= 80 and not self.living_alone:
            noun = "高龄老人"
        return "".join(parts) + noun if parts else "社区居民"

    @property
    def empty(self) -> bool:
        return not self.to_json()


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def latest_birth_for_age(on: date, years: int) -> date:
    """The latest birth date of someone who is at least `years` old on `on`."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February, `years` back is a common year
        return date(on.year - years, 2, 28)


def apply(qs: QuerySet, c: Criteria, *, on: date, prefix: str = "") -> QuerySet:
    """Narrow a Member queryset (or one reached through `prefix`, e.g. "member__") to the criteria."""
    p = prefix
    qs = qs.filter(**{f"{p}active": True})
    if c.min_age is not None:
        qs = qs.filter(**{f"{p}birth_date__lte": latest_birth_for_age(on, c.min_age)})
    if c.max_age is not None:
        qs = qs.filter(**{f"{p}birth_date__gt": latest_birth_for_age(on, c.max_age + 1)})
    if c.living_alone:
        qs = qs.filter(**{f"{p}living_alone": True})
    if c.disabled:
        qs = qs.filter(**{f"{p}disabled": True})
    if c.low_income:
        qs = qs.filter(**{f"{p}low_income": True})
    if c.flood_prone:
        qs = qs.filter(**{f"{p}household__grid__care_profile__flood_prone": True})
    if c.grid_id is not None:
        qs = qs.filter(**{f"{p}household__grid_id": c.grid_id})
    qs = qs.filter(**{f"{p}birth_date__lte": on})  # not yet born on that day: not a target
    return qs
