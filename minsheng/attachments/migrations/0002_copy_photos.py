"""Copy every row of the five former photo tables into attachments.Attachment.

The files stay where they are: `file` keeps the stored path. Ids are new (the five tables numbered
independently); the facility history that named photo ids (FacilityEvent.data "photo"/"photos") is
rewritten to the new ids. Backwards, the rows are copied back to the old tables (recreated by the
reversed delete migrations) with the ids the history names.
"""

from django.db import migrations
from django.db.models import Q

BATCH = 500

# app label, old model, owner model, owner field; extra fields copied as (old name, new name)
SOURCES = [
    ("demands", "Attachment", "demand", "demand_id", []),
    ("collection", "VisitPhoto", "visit", "visit_id", []),
    ("facilities", "FacilityPhoto", "facility", "facility_id", [("caption", "caption")]),
    ("services_activities", "ActivityPhoto", "activity", "activity_id", []),
    ("projects", "Photo", "project", "project_id", [("caption", "caption"), ("stage", "kind")]),
]
COMMON = ["file", "stored_name", "content_type", "size"]


def _ct(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def _remap_facility_events(apps, ids: dict[int, int]) -> None:
    if not ids:
        return
    FacilityEvent = apps.get_model("facilities", "FacilityEvent")
    changed = []
    for e in FacilityEvent.objects.filter(Q(data__has_key="photo") | Q(data__has_key="photos")).iterator():
        data = dict(e.data)
        if isinstance(data.get("photo"), int):
            data["photo"] = ids.get(data["photo"], data["photo"])
        if isinstance(data.get("photos"), list):
            data["photos"] = [ids.get(i, i) if isinstance(i, int) else i for i in data["photos"]]
        if data != e.data:
            e.data = data
            changed.append(e)
    FacilityEvent.objects.bulk_update(changed, ["data"], batch_size=BATCH)


def forwards(apps, schema_editor):
    Attachment = apps.get_model("attachments", "Attachment")
    for app_label, model_name, owner_model, owner_field, extra in SOURCES:
        Old = apps.get_model(app_label, model_name)
        owner_type = _ct(apps, app_label, owner_model)
        task_type = _ct(apps, "facilities", "maintenancetask") if model_name == "FacilityPhoto" else None
        ids: dict[int, int] = {}
        rows = Old.objects.order_by("pk")
        if model_name == "VisitPhoto":
            rows = rows.select_related("visit")
        for start in range(0, rows.count(), BATCH):
            olds = list(rows[start:start + BATCH])
            news = []
            for o in olds:
                a = Attachment(owner_type=owner_type, owner_id=getattr(o, owner_field),
                               **{f: getattr(o, f) for f in COMMON},
                               **{new: getattr(o, old) for old, new in extra})
                a.file = o.file.name
                if model_name == "VisitPhoto":
                    a.uploaded_by_id = o.visit.worker_id  # only the visit's worker records a visit and its photos
                else:
                    a.uploaded_by_id = o.uploaded_by_id
                a.created_at = o.at if model_name == "Photo" else o.created_at
                if task_type is not None and o.task_id is not None:
                    a.part_type, a.part_id = task_type, o.task_id
                news.append(a)
            Attachment.objects.bulk_create(news)
            if model_name == "FacilityPhoto":
                for o, a in zip(olds, news, strict=True):
                    if a.pk is None:  # a database that cannot return ids from a bulk insert
                        a = Attachment.objects.get(owner_type=owner_type, owner_id=o.facility_id, file=o.file.name)
                    ids[o.pk] = a.pk
        if model_name == "FacilityPhoto":
            _remap_facility_events(apps, ids)


def backwards(apps, schema_editor):
    Attachment = apps.get_model("attachments", "Attachment")
    for app_label, model_name, owner_model, owner_field, extra in SOURCES:
        Old = apps.get_model(app_label, model_name)
        owner_type = _ct(apps, app_label, owner_model)
        ids: dict[int, int] = {}
        for a in Attachment.objects.filter(owner_type=owner_type).order_by("pk").iterator():
            o = Old(**{owner_field: a.owner_id}, **{f: getattr(a, f) for f in COMMON},
                    **{old: getattr(a, new) for old, new in extra})
            o.file = a.file.name
            if model_name == "Photo":
                o.at = a.created_at
            if model_name != "VisitPhoto":
                o.uploaded_by_id = a.uploaded_by_id
            if model_name == "FacilityPhoto":
                o.task_id = a.part_id
            o.save()
            if model_name != "Photo":
                Old.objects.filter(pk=o.pk).update(created_at=a.created_at)  # auto_now_add set it on save
            ids[a.pk] = o.pk
        if model_name == "FacilityPhoto":
            _remap_facility_events(apps, ids)
    Attachment.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("attachments", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("demands", "0006_reporter_code"),
        ("collection", "0001_initial"),
        ("facilities", "0001_initial"),
        ("services_activities", "0001_initial"),
        ("projects", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
