"""The 民情台账 from the web: upload → preview (every bad row with its number and reason) → confirm the
import (all rows or none; big files in the background with progress) and export of any filtered demand
list in the same columns, so that export → import round-trips.

Reading and validation are `collection.services.ledger.read`; writing is `demands.services.import_history`
(what `ledger.import_file` composes), with two additions for the web: the uploader may only import rows
of communities they are staff of, and the import reports its progress in its LedgerImport row.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.db import connection, connections, transaction
from django.utils import timezone

from minsheng.accounts.models import STAFF_ROLES, PersonalDataRead, Role
from minsheng.accounts.selectors import covers, has_role, memberships
from minsheng.accounts.services import log_personal_data_read, mask_name, mask_phone
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.demands.models import Demand
from minsheng.demands.services import import_history
from minsheng.territory.models import Town

from ..models import LedgerImport
from ..tasks import import_ledger
from .ledger import LedgerError, LedgerRow, export, read

log = logging.getLogger("minsheng.collection")
S = LedgerImport.State
PREVIEW_ROWS = 10
CHUNK = 1000
XLSX_MAGIC = b"PK\x03\x04"


def sync_max_rows() -> int:
    """Ledgers up to this many rows import during the request; bigger ones in the background."""
    return int(getattr(settings, "MINSHENG_LEDGER_SYNC_ROWS", 300))


def max_upload() -> int:
    return int(getattr(settings, "MINSHENG_MAX_LEDGER_UPLOAD", 20 * 1024 * 1024))


def can_import(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and has_role(user, STAFF_ROLES)


def _only_town(user):
    """The one town all the user's staff roles are in (to resolve community names), else None."""
    towns = set()
    for m in memberships(user):
        if m.role in STAFF_ROLES:
            towns.add(m.town_id or (m.community.town_id if m.community_id else m.grid.community.town_id))
    if len(towns) == 1:

        return Town.objects.filter(pk=towns.pop()).first()
    return None


def check(user, path: str | Path) -> tuple[list[LedgerRow], int, list[tuple[int, str]]]:
    """Read and validate; rows of communities outside the user's territory are errors too.
    Returns (good rows, number of rows, errors sorted by row)."""
    rows, report = read(path, town=_only_town(user))
    errors = list(report.errors)
    good = []
    for r in rows:
        if covers(user, town_id=r.community.town_id, community_id=r.community.pk, role_set=STAFF_ROLES):
            good.append(r)
        else:
            errors.append((r.row, f"社区“{r.community.name}”不在您的辖区，不能导入"))
    errors.sort()
    return good, report.rows, errors


def _preview_row(r: LedgerRow) -> dict:
    return {
        "row": r.row, "code": r.code, "received_at": timezone.localtime(r.received_at).strftime("%Y-%m-%d %H:%M"),
        "channel": r.channel, "community": r.community.name, "grid": r.grid.name if r.grid else "",
        "reporter_name": mask_name(r.reporter_name), "reporter_phone": mask_phone(r.reporter_phone),
        "text": r.text[:120], "place": r.place_text, "category": r.category or "",
    }


def _count_new(rows: list[LedgerRow]) -> int:
    codes = [r.code for r in rows]
    existing = 0
    for i in range(0, len(codes), CHUNK):
        existing += Demand.objects.filter(code__in=codes[i:i + CHUNK]).count()
    return len(codes) - existing


def upload(actor, f) -> LedgerImport:
    """Store the uploaded file and preview it. A file that is not an xlsx workbook is refused outright."""
    if not can_import(actor):
        raise NotAllowed("只有社区或镇的工作人员可以导入台账")
    if f is None:
        raise InvalidInput("file: 请选择台账文件（.xlsx）", field="file")
    size = getattr(f, "size", 0) or 0
    if size <= 0:
        raise InvalidInput("file: 文件为空", field="file")
    if size > max_upload():
        raise InvalidInput(f"file: 文件不能超过 {max_upload() // (1024 * 1024)} MB", field="file")
    name = (getattr(f, "name", "") or "ledger.xlsx")[-200:]
    head = f.read(4)
    f.seek(0)
    if not name.lower().endswith(".xlsx") or head != XLSX_MAGIC:
        raise InvalidInput("file: 只接受 Excel 工作簿（.xlsx）", field="file")
    stored = f"{secrets.token_hex(8)}.xlsx"
    imp = LedgerImport(uploaded_by=actor, stored_name=stored, original_name=name)
    imp.file.save(stored, File(f), save=False)
    imp.save()
    return preview(imp, actor)


def preview(imp: LedgerImport, actor) -> LedgerImport:
    try:
        rows, total, errors = check(actor, imp.file.path)
    except LedgerError as exc:
        imp.state, imp.rows, imp.errors, imp.message = S.INVALID, 0, [[0, str(exc)]], str(exc)
        imp.save()
        drop_file(imp.pk)
        imp.refresh_from_db()
        return imp
    imp.rows = total
    imp.errors = [[n, reason] for n, reason in errors]
    imp.preview = [_preview_row(r) for r in rows[:PREVIEW_ROWS]]
    imp.new_rows = _count_new(rows) if not errors else 0
    if errors:
        imp.state, imp.message = S.INVALID, f"{len(errors)} 行有误，未导入任何数据"
    elif not total:
        imp.state, imp.message = S.INVALID, "台账中没有数据行"
    else:
        imp.state, imp.message = S.READY, ""
    imp.save()
    if imp.state == S.INVALID:
        drop_file(imp.pk)  # nothing will be imported from it
        imp.refresh_from_db()
    return imp


def get_import(user, pk) -> LedgerImport:
    """An upload of the user's own (superusers see all)."""
    qs = LedgerImport.objects.all()
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(uploaded_by=user)
    try:
        return qs.get(pk=int(pk))
    except (TypeError, ValueError, LedgerImport.DoesNotExist):
        raise NotFound("没有这次导入，或您无权查看") from None


def confirm(imp: LedgerImport, actor) -> LedgerImport:
    """Import now (small files) or queue the background task (big ones)."""

    if not can_import(actor):
        raise NotAllowed("只有社区或镇的工作人员可以导入台账")
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=imp.pk)
        if locked.state != S.READY:
            raise Conflict(f"这份台账当前状态为“{locked.get_state_display()}”，不能再次导入")
        if locked.rows > sync_max_rows():
            locked.state, locked.progress, locked.message = S.QUEUED, 0, "已加入后台导入队列"
            locked.save(update_fields=["state", "progress", "message"])
            pk = locked.pk
            transaction.on_commit(lambda: import_ledger.enqueue(pk))
            return locked
    run_import(imp.pk)
    return LedgerImport.objects.get(pk=imp.pk)


def _progress(pk: int, percent: int, message: str, *, side: bool = False) -> None:
    """Record progress. Inside the import's transaction (`side`), through a connection of its own so
    pollers see it at once — on PostgreSQL; SQLite has one writer, so there the bar moves by phases."""
    if not side:
        LedgerImport.objects.filter(pk=pk).update(progress=percent, message=message[:300])
        return
    if connection.vendor == "sqlite":
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(f"UPDATE {LedgerImport._meta.db_table} SET progress = %s, message = %s WHERE id = %s",
                           [percent, message[:300], pk])
    finally:
        other.close()


def run_import(pk: int) -> None:
    """Validate again and write every row in one transaction (all or none), reporting progress."""

    claimed = LedgerImport.objects.filter(pk=pk, state__in=[S.READY, S.QUEUED]).update(
        state=S.RUNNING, progress=2, message="正在读取并检查台账")
    if not claimed:
        return
    imp = LedgerImport.objects.select_related("uploaded_by").get(pk=pk)
    try:
        try:
            rows, total, errors = check(imp.uploaded_by, imp.file.path)
        except LedgerError as exc:
            errors, rows, total = [(0, str(exc))], [], 0
        if errors:
            LedgerImport.objects.filter(pk=pk).update(
                state=S.FAILED, errors=[[n, r] for n, r in errors], progress=100, finished_at=timezone.now(),
                message=f"{len(errors)} 行有误，未导入任何数据")
            drop_file(pk)
            return
        _progress(pk, 30, f"检查通过，正在写入 {total} 行")
        created = existing = 0
        with transaction.atomic():
            for i in range(0, len(rows), CHUNK):
                c, e = import_history(rows[i:i + CHUNK])
                created, existing = created + c, existing + e
                done = min(i + CHUNK, len(rows))
                _progress(pk, 30 + int(68 * done / len(rows)), f"已写入 {done} / {len(rows)} 行", side=True)
        LedgerImport.objects.filter(pk=pk).update(
            state=S.DONE, progress=100, created=created, existing=existing, finished_at=timezone.now(),
            message=f"导入完成：新建 {created}，已存在 {existing}")
        drop_file(pk)
    except Exception as exc:  # a failed import changes nothing (the transaction rolled back)
        log.exception("ledger import %s failed", pk)
        LedgerImport.objects.filter(pk=pk).update(state=S.FAILED, progress=100, finished_at=timezone.now(),
                                                  message=f"导入失败，未写入任何数据：{type(exc).__name__}")
        drop_file(pk)


# ---------------------------------------------------------------------------------------------
# The uploaded file holds residents' names and phones: it is kept only while it may still be imported


UPLOAD_KEEP = timedelta(hours=24)
FORGOTTEN = "文件已删除（其中的个人信息按删除要求或保存期限清除），如需导入请重新上传"


def drop_file(pk: int, *, message: str = "") -> None:
    """Delete an upload's file; the row stops naming it first. A ledger not imported yet can no longer be."""
    imp = LedgerImport.objects.filter(pk=pk).first()
    if imp is None or not imp.file:
        return
    name = imp.file.name
    update: dict = {"file": ""}
    if imp.state == S.READY:
        update.update(state=S.INVALID, message=message or FORGOTTEN)
    LedgerImport.objects.filter(pk=pk).update(**update)
    imp.file.storage.delete(name)


def forget(codes) -> int:
    """Erasure and retention: previews lose the (masked) reporter of these demands, and a kept file that
    lists one of them is deleted. Returns the uploads changed."""
    codes = set(codes)
    changed = 0
    for imp in LedgerImport.objects.exclude(preview=[]).only("pk", "preview", "file", "state").iterator():
        rows = imp.preview or []
        hit_rows = [r for r in rows if r.get("code") in codes and (r.get("reporter_name") or r.get("reporter_phone"))]
        if not hit_rows and not (imp.file and any(r.get("code") in codes for r in rows)):
            continue
        for r in hit_rows:
            r["reporter_name"], r["reporter_phone"] = "", ""
        LedgerImport.objects.filter(pk=imp.pk).update(preview=rows)
        if imp.file and imp.state not in (S.QUEUED, S.RUNNING):
            drop_file(imp.pk)
        changed += 1
    return changed


def drop_stale_uploads(now=None) -> int:
    """Retention: files of uploads not imported within `UPLOAD_KEEP` go."""
    before = (now or timezone.now()) - UPLOAD_KEEP
    stale = list(LedgerImport.objects.filter(created_at__lt=before).exclude(file="")
                 .exclude(state__in=[S.QUEUED, S.RUNNING]).values_list("pk", flat=True))
    for pk in stale:
        drop_file(pk, message="文件超过 24 小时未导入，已删除；如需导入请重新上传")
    return len(stale)


# ---------------------------------------------------------------------------------------------
# Export


def export_entitled(user, demands) -> bool:
    """Personal data is exported in full only to community staff of every demand in the list
    (domain.md §7); anyone else gets it masked."""
    if getattr(user, "is_superuser", False):
        return True
    own = {m.community_id for m in memberships(user)
           if m.community_id and m.role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY)}
    if not own or not demands.exists():
        return False
    return not demands.exclude(community_id__in=own).exists()


def log_reads(user, demands, via: str = "ledger-export") -> int:
    """One audit row per exported demand, as `log_personal_data_read` writes them, in bulk."""

    rows = [PersonalDataRead(user=user, subject=f"demand:{code}"[:60], fields="reporter_name,reporter_phone", via=via)
            for code in demands.exclude(reporter_name="", reporter_phone="").values_list("code", flat=True)
            .iterator(chunk_size=2000)]
    PersonalDataRead.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def export_demands(user, demands, stream) -> tuple[int, bool]:
    """Write `demands` (already narrowed to what the user sees) as a ledger. Returns (rows, unmasked)."""

    unmasked = export_entitled(user, demands)
    if unmasked:
        with transaction.atomic():
            n = log_reads(user, demands)
            log_personal_data_read(user=user, subject="ledger-export", fields=["reporter_name", "reporter_phone"],
                                   via=f"{n} 件诉求")
    return export(demands.order_by("received_at", "id"), stream, unmasked=unmasked), unmasked
