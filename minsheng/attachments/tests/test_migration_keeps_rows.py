"""The move to one attachment model keeps every row and every file: migrate back to the five photo
tables, fill them through the historical models with real files under MEDIA_ROOT, migrate forward and
find each photo (owner, part, file, metadata) through attachments.Attachment."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

from minsheng.attachments.models import Attachment
from minsheng.collection.models import Visit
from minsheng.demands.models import Demand
from minsheng.facilities.models import Facility, FacilityEvent, MaintenanceTask
from minsheng.projects.models import Project
from minsheng.services_activities.models import Activity

BEFORE = [
    ("attachments", None),
    ("demands", "0006_reporter_code"),
    ("collection", "0001_initial"),
    ("facilities", "0001_initial"),
    ("services_activities", "0001_initial"),
    ("projects", "0001_initial"),
]
AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
_n = itertools.count(1)


def make(apps, label: str, **values):
    """A row of a historical model: the given values, and a plain value (or a new related row) for
    every other required field."""
    model = apps.get_model(label)
    for f in model._meta.concrete_fields:
        if f.name in values or f.attname in values or f.primary_key or f.null or f.has_default() or (
                f.blank and f.empty_strings_allowed):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.ForeignKey):
            values[f.name] = make(apps, f.related_model._meta.label)
        elif isinstance(f, (models.CharField, models.TextField)):
            values[f.name] = f"v{next(_n)}"[: f.max_length or 40]
        elif isinstance(f, models.BooleanField):
            values[f.name] = False
        elif isinstance(f, models.DecimalField):
            values[f.name] = Decimal("1")
        elif isinstance(f, (models.IntegerField, models.FloatField)):
            values[f.name] = next(_n)
        elif isinstance(f, models.DateTimeField):
            values[f.name] = AT
        elif isinstance(f, models.DateField):
            values[f.name] = date(2026, 3, 4)
        elif isinstance(f, models.TimeField):
            values[f.name] = time(9, 0)
        elif isinstance(f, models.DurationField):
            values[f.name] = timedelta(days=1)
        elif isinstance(f, models.JSONField):
            values[f.name] = {}
        else:
            raise AssertionError(f"no plain value for {label}.{f.name} ({type(f).__name__})")
    return model.objects.create(**values)


def photo_file(path: str) -> bytes:
    data = f"JPEG bytes of {path}".encode()
    target = Path(settings.MEDIA_ROOT) / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return data


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_every_photo_row_and_file_survives_the_move():
    migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state([t for t in BEFORE if t[1]]).apps
        user = make(old, settings.AUTH_USER_MODEL, username="photographer")
        expected = []  # (owner model, owner id, part id, file path, bytes, fields)

        def photo(label, owner_model, owner, path, *, part=None, **fields):
            data = photo_file(path)
            row = make(old, label, file=path, stored_name=path.rsplit("/", 1)[1], content_type="image/jpeg",
                       size=len(data), **fields)
            expected.append((owner_model, owner.pk, part.pk if part else None, path, data, fields, row))
            return row

        demand = make(old, "demands.Demand", code="CL-2026-00001")
        for i in range(2):
            photo("demands.Attachment", Demand, demand, f"demands/{demand.code}/d{i}.jpg", demand=demand,
                  uploaded_by=user if i else None)
        visit = make(old, "collection.Visit", worker=user)
        photo("collection.VisitPhoto", Visit, visit, f"visits/{visit.pk}/v0.jpg", visit=visit)
        facility = make(old, "facilities.Facility")
        task = make(old, "facilities.MaintenanceTask", facility=facility)
        f0 = photo("facilities.FacilityPhoto", Facility, facility, f"facilities/{facility.pk}/f0.jpg",
                   facility=facility, caption="东侧", uploaded_by=user)
        f1 = photo("facilities.FacilityPhoto", Facility, facility, f"facilities/{facility.pk}/f1.jpg", part=task,
                   facility=facility, task=task)
        make(old, "facilities.FacilityEvent", facility=facility, action="photo", data={"photo": f0.pk})
        make(old, "facilities.FacilityEvent", facility=facility, action="maintenance",
             data={"photos": [f1.pk], "late": False})
        activity = make(old, "services_activities.Activity")
        photo("services_activities.ActivityPhoto", Activity, activity, f"activities/{activity.pk}/a0.png",
              activity=activity, uploaded_by=user)
        project = make(old, "projects.Project")
        for stage in ("before", "after"):
            photo("projects.Photo", Project, project, f"projects/{project.pk}/{stage}.webp", project=project,
                  stage=stage, caption=f"{stage}说明", at=AT, uploaded_by=user)
    finally:
        migrate(latest())

    ContentType.objects.clear_cache()
    assert Attachment.objects.count() == len(expected) == 8
    new_ids = {}
    for owner_model, owner_id, part_id, path, data, fields, row in expected:
        a = Attachment.objects.get(owner_type=ContentType.objects.get_for_model(owner_model), owner_id=owner_id,
                                   file=path)
        new_ids[(owner_model, row.pk)] = a.pk
        assert a.owner.pk == owner_id
        assert a.part_id == part_id
        assert (a.part_type.model_class() if part_id else None) == (MaintenanceTask if part_id else None)
        assert (a.stored_name, a.content_type, a.size) == (path.rsplit("/", 1)[1], "image/jpeg", len(data))
        assert a.caption == fields.get("caption", "") == getattr(row, "caption", "")
        assert a.kind == fields.get("stage", "") == getattr(row, "stage", "")
        assert a.created_at == (AT if owner_model is Project else row.created_at)
        expected_uploader = user.pk if owner_model is Visit else getattr(fields.get("uploaded_by"), "pk", None)
        assert a.uploaded_by_id == expected_uploader
        with a.file.open("rb") as handle:
            assert handle.read() == data

    # The owners reach them through their relations, the facility's history names the new ids.
    assert Demand.objects.get(pk=demand.pk).attachments.count() == 2
    assert Visit.objects.get(pk=visit.pk).photos.count() == 1
    assert Facility.objects.get(pk=facility.pk).photos.count() == 2
    assert MaintenanceTask.objects.get(pk=task.pk).photos.get().file.name == f"facilities/{facility.pk}/f1.jpg"
    assert Activity.objects.get(pk=activity.pk).photos.count() == 1
    assert [p.kind for p in Project.objects.get(pk=project.pk).photos.all()] == ["before", "after"]
    events = {e.action: e.data for e in FacilityEvent.objects.filter(facility_id=facility.pk)}
    assert events["photo"] == {"photo": new_ids[(Facility, f0.pk)]}
    assert events["maintenance"]["photos"] == [new_ids[(Facility, f1.pk)]]
