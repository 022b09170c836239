"""The facility register follows the projects: when a micro-project enters service, each of its work
items that names a facility kind or an existing facility (projects.WorkItem: `facility_kind`,
`facility_work`, `facility`) changes the register, exactly as stated. Nothing is guessed from titles.

* build: a new facility of the kind at the project's place (named by `services.facility_name`; one
  already on the register under that name is the one built), or, with `facility`, a new part of it
  (a pump of a station, the surface of a fitness point);
* add: the existing facility grows by the item's quantity;
* repair: the existing facility is renewed, its quantity unchanged.

Every touched facility is marked good, linked to the project (`FacilityProject`) and gets a history
event; a part's parent is linked as improved too. Recording is idempotent (a project already linked
changes nothing) and runs in one transaction; errors are raised, never swallowed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.projects.models import FacilityWork, Project, WorkItem

from . import services
from .models import DEFAULT_UNIT, Condition, Facility, FacilityEvent, FacilityProject
from .schedules import local_date

LABEL = "微实事项目"


def _event(f: Facility, project: Project, note: str, before: str, at: datetime) -> None:
    FacilityEvent.objects.create(
        facility=f, at=at, actor=None, actor_label=LABEL, action=FacilityEvent.Action.PROJECT,
        from_condition=before, to_condition=Condition.GOOD, note=note, project_id=project.pk,
    )


def _link(f: Facility, project: Project, role: str, at: datetime) -> None:
    FacilityProject.objects.get_or_create(facility=f, project_id=project.pk,
                                          defaults={"title": project.title[:200], "role": role, "at": at})


def _renew(f: Facility, project: Project, *, role: str, grow: Decimal, note: str, at: datetime) -> Facility:
    f = services.lock(f)
    before = f.condition
    f.quantity += grow
    f.condition, f.condition_at = Condition.GOOD, at
    f.in_service_since = f.in_service_since or local_date(at, project.town.time_zone)
    f.version += 1
    f.save()
    _link(f, project, role, at)
    _event(f, project, note, before, at)
    return f


def _check(item: WorkItem, project: Project) -> None:
    f = item.facility
    if f is not None and f.community_id != project.community_id:
        raise InvalidInput(f"items.{item.position}.facility: 设施“{f.name}”不在{project.community.name}",
                           field=f"items.{item.position}.facility")
    if item.facility_work != FacilityWork.BUILD and f is None:
        raise InvalidInput(f"items.{item.position}.facility: 已有设施已不在登记中", field=f"items.{item.position}.facility")


def _build(item: WorkItem, project: Project, note: str, at: datetime) -> list[Facility]:
    today = local_date(at, project.town.time_zone)
    unit = item.unit or DEFAULT_UNIT.get(item.facility_kind, "个")
    parent = item.facility
    if parent is not None:
        found = Facility.objects.filter(parent=parent, name=item.name).first()
        part = found or services.register_facility(
            actor=None, community=project.community, name=item.name, kind=item.facility_kind,
            quantity=item.quantity, unit=unit, parent=parent, in_service_since=today, check=False, note=note, at=at)
        part = _renew(part, project, role=FacilityProject.Role.BUILT, grow=Decimal(0), note=note, at=at)
        return [part, _renew(parent, project, role=FacilityProject.Role.IMPROVED, grow=Decimal(0), note=note, at=at)]
    name = services.facility_name(project.place, item.facility_kind, item.name)
    f = Facility.objects.filter(community=project.community, parent=None, name=name).first()
    if f is None:
        f = services.register_facility(
            actor=None, community=project.community, name=name, kind=item.facility_kind, quantity=item.quantity,
            unit=unit, place=project.place, in_service_since=today, check=False, note=note, at=at)
    elif f.kind != item.facility_kind:
        raise Conflict(f"“{name}”已在设施登记中，类型不是 {item.facility_kind}")
    return [_renew(f, project, role=FacilityProject.Role.BUILT, grow=Decimal(0), note=note, at=at)]


@transaction.atomic
def record(project: Project | int) -> list[Facility]:
    """Put on the register what the project's work items state. Returns the facilities touched."""
    pk = project.pk if isinstance(project, Project) else project
    linked = Facility.objects.filter(project_links__project_id=pk)
    if linked.exists():
        return list(linked.distinct())
    p = Project.objects.select_related("town", "community", "place__grid").get(pk=pk)
    items = [i for i in p.items.select_related("facility__parent").order_by("position", "id")
             if i.facility_work or i.facility_kind]
    at = timezone.now()
    touched: list[Facility] = []
    for item in items:
        _check(item, p)
        note = f"项目“{p.title}”投用：{item.name}{item.quantity.normalize():f}{item.unit}"
        if item.facility_work == FacilityWork.BUILD or not item.facility_work:
            touched += _build(item, p, note, at)
            continue
        grow = item.quantity if item.facility_work == FacilityWork.ADD else Decimal(0)
        touched.append(_renew(item.facility, p, role=FacilityProject.Role.IMPROVED, grow=grow, note=note, at=at))
        if item.facility.parent is not None:
            touched.append(_renew(item.facility.parent, p, role=FacilityProject.Role.IMPROVED, grow=Decimal(0),
                                  note=note, at=at))
    return list({f.pk: f for f in touched}.values())
