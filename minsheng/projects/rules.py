"""Rules about projects that are not state changes: input checks, budget caps, screening hints."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

from minsheng.core.errors import InvalidInput

from .models import FUNDED, FacilityWork, Kind, PhaseKind, Status, WorkItem

MAX_TITLE = 120
MAX_TEXT = 4000
MAX_ITEMS = 50
MAX_MONEY = Decimal("99999999.99")
CENT = Decimal("0.01")

# Single-project budget caps per kind, in yuan (domain.md §4: configurable per town).
# Order of precedence: a BudgetCap row for the town, settings.MINSHENG_PROJECT_BUDGET_CAPS, these.
DEFAULT_BUDGET_CAPS = {
    Kind.WORKS: Decimal("500000"),
    Kind.GOODS: Decimal("200000"),
    Kind.SERVICES: Decimal("100000"),
}

# Phase weights when none are given: most of the work is construction (or delivery and fitting).
DEFAULT_PHASE_WEIGHTS = {PhaseKind.SURVEY: 10, PhaseKind.DESIGN: 20, PhaseKind.CONSTRUCTION: 70}

# Deliberation: members entitled to vote when not given (社区两委 plus resident representatives).
DEFAULT_VOTE_MEMBERS = 7
DEFAULT_NOTICE_DAYS = 5
MAX_NOTICE_DAYS = 30

# Duties of the property-management company (物业), not of public micro-project money.
PROPERTY_DUTY_KEYWORDS = [
    "电梯", "物业费", "小区内部保洁", "楼道保洁", "物业管理", "物业服务", "专项维修资金", "维修基金",
    "门禁", "二次供水", "小区监控", "物业公司",
]

# What a finished project becomes in the facility registry (a hint for the facilities app).
FACILITY_HINTS = [
    ("排涝站", "drainage_station"), ("泵站", "drainage_station"),
    ("健身路径", "fitness_point"), ("健身点", "fitness_point"), ("健身器材", "fitness_point"),
    ("公厕", "toilet"), ("厕所", "toilet"),
    ("充电", "ebike_shed"),
    ("停车场", "parking_lot"), ("车位", "parking_lot"),
    ("篮球场", "basketball_court"),
    ("行道树", "street_trees"), ("乔木", "street_trees"),
    ("晾衣架", "drying_racks"), ("休闲椅", "benches"),
    ("卫生服务站", "clinic"),
    ("污水管", "sewer"), ("下水道", "sewer"),
]


def clean_text(value, *, field: str, max_len: int = MAX_TEXT, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise InvalidInput(f"{field}: 须为文本", field=field)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    if required and not text:
        raise InvalidInput(f"{field}: 不能为空", field=field)
    if len(text) > max_len:
        raise InvalidInput(f"{field}: 不能超过 {max_len} 个字符", field=field)
    return text


def clean_money(value, *, field: str, allow_zero: bool = False) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidInput(f"{field}: 请填写金额（元）", field=field)
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field}: 不是有效的金额", field=field) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput(f"{field}: 金额须大于 0", field=field)
    if amount > MAX_MONEY:
        raise InvalidInput(f"{field}: 金额过大", field=field)
    return amount


def clean_quantity(value, *, field: str) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidInput(f"{field}: 请填写数量", field=field)
    try:
        q = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field}: 不是有效的数量", field=field) from None
    if not q.is_finite() or q <= 0 or q > MAX_MONEY:
        raise InvalidInput(f"{field}: 数量须大于 0", field=field)
    return q


def clean_int(value, *, field: str, low: int, high: int, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{field}: 须为 {low} 到 {high} 之间的整数", field=field)
    return value


def clean_kind(kind) -> str:
    if kind not in Kind.values:
        raise InvalidInput(f"kind: 须为 {'/'.join(Kind.values)}（工程类/货物类/服务类）", field="kind")
    return kind


def clean_items(items) -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidInput("items: 须为列表", field="items")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"items: 最多 {MAX_ITEMS} 项", field="items")
    out = []
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise InvalidInput(f"items.{i}: 须含 name、quantity、unit", field="items")
        name = clean_text(raw.get("name"), field=f"items.{i}.name", max_len=80)
        unit = clean_text(raw.get("unit"), field=f"items.{i}.unit", max_len=12)
        quantity = clean_quantity(raw.get("quantity"), field=f"items.{i}.quantity")
        price = raw.get("unit_price")
        unit_price = None if price in (None, "") else clean_money(price, field=f"items.{i}.unit_price", allow_zero=True)
        out.append({"name": name, "quantity": quantity, "unit": unit, "unit_price": unit_price,
                    **clean_item_facility(raw, field=f"items.{i}")})
    return out


def facility_model():
    """The facility register's model, reached through the work item's foreign key (projects does not
    import the facilities app: facilities reads projects)."""
    return WorkItem._meta.get_field("facility").related_model


def facility_kinds() -> list[tuple[str, str]]:
    return list(facility_model()._meta.get_field("kind").choices)


def component_parents() -> dict[str, list[str]]:
    """Kinds that are parts of another facility → the kinds they may belong to."""
    return facility_model().component_parents


def clean_item_facility(raw: dict, *, field: str) -> dict:
    """What a work item does to the facility register: `facility_kind`, `facility_work`
    (build | add | repair) and `facility` (the id of an existing facility). All blank: nothing.

    build: a new facility of the kind at the project's place, or a new part (a pump, a surface) of the
    existing `facility`; add: the existing `facility` grows by the item's quantity; repair: the
    existing `facility` is renewed, its quantity unchanged."""
    kind = raw.get("facility_kind") or ""
    work = raw.get("facility_work") or ""
    ref = raw.get("facility")
    if not isinstance(kind, str):
        raise InvalidInput(f"{field}.facility_kind: 须为设施类型代码", field=f"{field}.facility_kind")
    if not isinstance(work, str):
        raise InvalidInput(f"{field}.facility_work: 须为 build/add/repair", field=f"{field}.facility_work")
    kind, work = kind.strip(), work.strip()
    if not (kind or work or ref not in (None, "")):
        return {"facility_kind": "", "facility_work": "", "facility_id": None}
    facility = None
    if ref not in (None, ""):
        try:
            pk = int(str(ref).strip())
        except ValueError:
            pk = None
        facility = facility_model().objects.filter(pk=pk).first() if pk and 0 < pk < 2**63 else None
        if facility is None:
            raise InvalidInput(f"{field}.facility: 没有编号为 {ref} 的设施", field=f"{field}.facility")
    work = work or (FacilityWork.REPAIR if facility is not None and not kind else FacilityWork.BUILD)
    if work not in FacilityWork.values:
        raise InvalidInput(f"{field}.facility_work: 须为 {'/'.join(FacilityWork.values)}", field=f"{field}.facility_work")
    if work == FacilityWork.BUILD:
        if kind not in dict(facility_kinds()):
            raise InvalidInput(f"{field}.facility_kind: 须为设施类型代码（{'/'.join(dict(facility_kinds()))}）",
                               field=f"{field}.facility_kind")
        if facility is not None and facility.kind not in component_parents().get(kind, []):
            raise InvalidInput(f"{field}.facility: 新建{kind}不能作为“{facility.name}”的部件",
                               field=f"{field}.facility")
    else:
        if facility is None:
            raise InvalidInput(f"{field}.facility: 增加或维修须指明已有设施", field=f"{field}.facility")
        if kind and kind != facility.kind:
            raise InvalidInput(f"{field}.facility_kind: 与设施“{facility.name}”的类型 {facility.kind} 不符",
                               field=f"{field}.facility_kind")
        kind = facility.kind
    return {"facility_kind": kind, "facility_work": work, "facility_id": facility.pk if facility else None}


def budget_cap(town, kind: str) -> Decimal:
    from .models import BudgetCap

    row = BudgetCap.objects.filter(town=town, kind=kind).values_list("cap", flat=True).first()
    if row is not None:
        return row
    configured = getattr(settings, "MINSHENG_PROJECT_BUDGET_CAPS", None) or {}
    if kind in configured:
        return Decimal(str(configured[kind]))
    return DEFAULT_BUDGET_CAPS[Kind(kind)]


def check_budget(town, kind: str, budget: Decimal) -> None:
    cap = budget_cap(town, kind)
    if budget > cap:
        raise InvalidInput(
            f"budget: {Kind(kind).label}项目预算 {budget:,.2f} 元超过本镇上限 {cap:,.2f} 元，"
            "请拆分项目或报镇级审批",
            field="budget",
        )


def facility_hint(title: str, items: list[str]) -> str | None:
    words = title + " " + " ".join(items)
    for needle, kind in FACILITY_HINTS:
        if needle in words:
            return kind
    return None


# ---------------------------------------------------------------------------------------------
# Screening hints (初审提示): property-company duties and possible duplicates.


def property_duty_flag(title: str, plan: str, item_names: list[str]) -> dict | None:
    words = " ".join([title, plan, *item_names])
    found = [k for k in PROPERTY_DUTY_KEYWORDS if k in words]
    if not found:
        return None
    return {
        "code": "property_duty",
        "keywords": found,
        "reason": f"疑似物业服务企业职责（{'、'.join(found)}）：应由物业按合同承担，一般不使用民生微实事资金",
    }


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[\s\W_]+", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)} or ({chars} if chars else set())


def similarity(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


TITLE_SIMILAR = 0.5
ITEMS_SIMILAR = 0.5


def duplicate_flags(project_id: int | None, community_id: int, title: str, item_names: list[str]) -> list[dict]:
    """Other projects of the same community that are funded or on their way to it, with a similar
    title or the same kind of work items."""
    from .models import Project, WorkItem

    others = (
        Project.objects.filter(community_id=community_id)
        .exclude(status__in=[Status.REJECTED, Status.CANCELLED])
        .exclude(pk=project_id)
        .only("id", "title", "status")
    )
    names = {n.strip() for n in item_names if n.strip()}
    other_items: dict[int, set[str]] = {}
    for pid, name in WorkItem.objects.filter(project__in=others).values_list("project_id", "name"):
        other_items.setdefault(pid, set()).add(name.strip())
    flags = []
    for other in others:
        t = similarity(title, other.title)
        theirs = other_items.get(other.pk, set())
        shared = names & theirs
        items_score = len(shared) / len(names | theirs) if shared else 0.0
        if t >= TITLE_SIMILAR or items_score >= ITEMS_SIMILAR:
            funded = other.status in FUNDED
            flags.append({
                "code": "duplicate",
                "project": other.pk,
                "title": other.title,
                "reason": f"可能与{'已立项' if funded else '在办'}项目“{other.title}”（#{other.pk}）重复"
                          + (f"：相同工作内容 {'、'.join(sorted(shared))}" if shared else ""),
            })
    return flags
