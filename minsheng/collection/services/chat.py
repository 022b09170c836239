"""WeChat group exports → demands, on the Django side (the page /desk/intake/chat/ is thin over this).

1. ``create_export`` stores the export and one fingerprint per message (time to the minute, a hash of
   the nickname, a hash of the text — within the community).
   Background work then reads each message's meaning (``read_meaning``: one meaning vector a message,
   ≈ 20 ms each, too slow for a request when an export has thousands); until it has, the extractor
   decides with its cue model alone, and the page says how far the reading is.
2. ``preview`` runs the extractor (``minsheng.collection.chat``) over it with the town's gazetteer and says,
   per message, whether an earlier registered export already had it.
3. ``register_export`` turns the messages staff kept ticked into demands — one per problem (cluster):
   the first message's text, the others noted — through ``minsheng.demands.services.register``
   (channel ``wechat_group``, ``source_ref`` ``chat:<export id>``, ``source_line``, the message time).
   Messages seen in an earlier registered export are never registered again; a new message about a
   problem already registered is linked to that demand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import has_role, visible
from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.queue import enqueue_on_commit
from minsheng.demands import services as demand_services
from minsheng.demands.rules import MAX_TEXT
from minsheng.territory.models import Community
from minsheng.triage.services import engine_for

from .. import chat, chat_cues, chat_export, tasks
from ..models import ChatExport, ChatMessage, fingerprint

MAX_CHARS = 2_000_000
MAX_MESSAGES = 5000
IMPORT_ROLES = STAFF_ROLES | {Role.GRID_WORKER}


def may_import_chats(user) -> bool:
    """Whether the user holds a role that imports group chats (asked by the menu without a query)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and has_role(user, IMPORT_ROLES)


def chat_communities(user) -> QuerySet:
    """Communities whose group chats the user may import: community and town staff, and grid
    workers (for their grid's community)."""
    if not may_import_chats(user):
        return Community.objects.none()
    return visible(user, Community.objects.select_related("town"), role_set=IMPORT_ROLES).order_by("town__name", "name")


def visible_exports(user) -> QuerySet:
    return ChatExport.objects.filter(community__in=chat_communities(user)).select_related("community", "uploaded_by")


def _tz(community: Community) -> ZoneInfo:
    try:
        return ZoneInfo(community.town.time_zone or "Asia/Shanghai")
    except (KeyError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _aware(when: datetime | None, tz: ZoneInfo) -> datetime | None:
    return when.replace(tzinfo=tz) if when is not None else None


def _time_key(m: chat_export.Message) -> str:
    # to the minute: one export may carry seconds and the next not
    return m.time.strftime("%Y-%m-%d %H:%M") if m.time else ""


def message_fingerprint(community_id: int, m: chat_export.Message) -> tuple[str, str, str]:
    sh, th = chat_export.sender_hash(m.sender), chat_export.text_hash(m.raw)
    return sh, th, fingerprint(community_id, _time_key(m), sh, th)


def create_export(*, community: Community, user, text: str, group_name: str = "") -> ChatExport:
    """Store an export (already decoded text) after checking it is one. Raises ChatFormatError or
    InvalidInput."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CHARS:
        raise InvalidInput("text: 聊天记录太大（最多约 200 万字），请分段导入", field="text")
    messages = chat_export.parse_text(text)
    real = [m for m in messages if not m.system]
    if len(real) > MAX_MESSAGES:
        raise InvalidInput(f"text: 一次最多导入 {MAX_MESSAGES} 条消息，请分段导入", field="text")
    tz = _tz(community)
    with transaction.atomic():
        export = ChatExport.objects.create(
            community=community, group_name=(group_name or "").strip()[:100], uploaded_by=user,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)
        rows = []
        for m in real:
            sh, th, fp = message_fingerprint(community.pk, m)
            rows.append(ChatMessage(export=export, community=community, line=m.line, time=_aware(m.time, tz),
                                    sender_hash=sh, text_hash=th, fingerprint=fp))
        ChatMessage.objects.bulk_create(rows, batch_size=500)
        if chat_cues.reads_meaning():
            enqueue_on_commit(lambda: tasks.read_meaning.enqueue(export.pk))
    return export


READ_CHUNK = 50


def read_meaning(export_id: int) -> int:
    """Read the meaning of each message of an export not read yet (the background task), a chunk at a
    time so the page can show progress. Returns how many were read; 0 when none can be (no embedder)."""
    if not chat_cues.reads_meaning():
        return 0
    export = ChatExport.objects.filter(pk=export_id).first()
    if export is None:
        return 0
    todo = list(export.messages.filter(meaning__isnull=True).order_by("line"))
    by_line = {m.line: m for m in chat_export.parse_text(export.text) if not m.system}
    done = 0
    for start in range(0, len(todo), READ_CHUNK):
        chunk = []
        for cm in todo[start:start + READ_CHUNK]:
            m = by_line.get(cm.line)
            p = chat_cues.meaning_reading(chat_export.clean(m.raw).text) if m is not None else None
            if p is not None:
                cm.meaning = round(p, 4)
                chunk.append(cm)
        ChatMessage.objects.bulk_update(chunk, ["meaning"])
        done += len(chunk)
    return done


@dataclass
class Reading:
    read: int
    total: int

    @property
    def done(self) -> bool:
        return self.read >= self.total


def reading(export: ChatExport) -> Reading | None:
    """How far the meaning reading of an export is, or None when none runs (no embedder, no head)."""
    if not chat_cues.reads_meaning():
        return None
    total = export.messages.count()
    return Reading(total - export.messages.filter(meaning__isnull=True).count(), total)


@dataclass
class Row:
    decision: chat.Decision
    fingerprint: str
    earlier: ChatMessage | None = None      # the same message in an earlier registered export
    record: ChatMessage | None = None       # this export's own record (after registration)

    @property
    def already(self) -> bool:
        return self.earlier is not None

    @property
    def checked(self) -> bool:
        if self.record is not None and self.record.export.registered_at:
            return self.record.is_demand
        return self.decision.demand and not self.already


@dataclass
class Preview:
    export: ChatExport
    rows: list[Row] = field(default_factory=list)

    @property
    def demands(self) -> int:
        return sum(1 for r in self.rows if r.decision.demand and not r.already)

    @property
    def clusters(self) -> int:
        return len({r.decision.cluster for r in self.rows if r.decision.demand and not r.already})

    @property
    def maybe_urgent(self) -> int:
        return sum(1 for r in self.rows if r.decision.maybe_urgent and not r.already)

    @property
    def already(self) -> int:
        return sum(1 for r in self.rows if r.already)


def _engine(community: Community):
    return engine_for(community.town)[0]


def _hint(export: ChatExport) -> str:
    return export.group_name or export.community.name


def preview(export: ChatExport) -> Preview:
    community = export.community
    own = {cm.line: cm for cm in export.messages.select_related("demand", "export")}
    read = {line: cm.meaning for line, cm in own.items() if cm.meaning is not None}
    decisions = [d for d in chat.extract(chat_export.parse_text(export.text), engine=_engine(community),
                                         group=_hint(export), meaning=lambda m, _text: read.get(m.line))
                 if d.kind != "system"]
    fps = {d.line: message_fingerprint(community.pk, d.message)[2] for d in decisions}
    earlier: dict[str, ChatMessage] = {}
    for cm in (ChatMessage.objects.filter(community=community, fingerprint__in=set(fps.values()),
                                          export__registered_at__isnull=False)
               .exclude(export=export).select_related("demand", "export").order_by("export__registered_at", "id")):
        earlier.setdefault(cm.fingerprint, cm)
    out = Preview(export)
    for d in decisions:
        fp = fps[d.line]
        out.rows.append(Row(d, fp, earlier.get(fp), own.get(d.line)))
    return out


@dataclass
class Registered:
    created: list = field(default_factory=list)    # new demands
    linked: int = 0                                 # messages linked to a demand registered before
    skipped: int = 0                                # ticked messages seen in an earlier export


def register_export(export: ChatExport, user, lines: set[int]) -> Registered:
    """Create the demands for the ticked ``lines`` (one per problem), all or nothing."""

    with transaction.atomic():
        Community.objects.select_for_update().filter(pk=export.community_id).first()  # one import at a time
        export = ChatExport.objects.select_for_update().select_related("community__town").get(pk=export.pk)
        if export.registered_at is not None:
            raise Conflict("这份聊天记录已经登记过了")
        pv = preview(export)
        tz = _tz(export.community)
        result = Registered()
        known = {r.decision.line for r in pv.rows}
        unknown = sorted(set(lines) - known)
        if unknown:
            raise InvalidInput(f"lines: 第 {unknown[0]} 行不是一条消息", field="lines")
        # group the ticked messages into problems: the extractor's clusters; a ticked miss is its own
        groups: dict[object, list[Row]] = {}
        for r in pv.rows:
            if r.decision.line not in lines:
                continue
            if r.already:
                result.skipped += 1
                continue
            key = r.decision.cluster if r.decision.demand and r.decision.cluster is not None else f"line{r.decision.line}"
            groups.setdefault(key, []).append(r)
        # problems some earlier export already registered: link, do not register again
        before = {}
        for r in pv.rows:
            if r.already and r.earlier.demand_id and r.decision.cluster is not None:
                before.setdefault(r.decision.cluster, r.earlier.demand)
        links: dict[int, object] = {}
        for key, members in groups.items():
            demand = before.get(key)
            if demand is None:
                first = members[0].decision
                text = first.text or first.message.raw.strip()
                if not text:
                    continue
                others = [m.decision.line for m in members[1:]]
                if others:
                    note = f"（群内另有 {len(others)} 条消息反映同一问题，见第 {'、'.join(map(str, others[:12]))} 行）"
                    text = text[:MAX_TEXT - len(note)] + note
                urgent = any(m.decision.urgent for m in members if m.decision.demand) or None
                demand, _token = demand_services.register(
                    text=text[:MAX_TEXT], channel="wechat_group", actor=user, community=export.community,
                    received_at=_aware(first.time, tz) or export.created_at, source_ref=export.source_ref,
                    source_line=first.line, reporter_name=first.sender[:60], urgent=urgent,
                )
                result.created.append(demand)
            else:
                result.linked += len(members)
            for m in members:
                links[m.decision.line] = demand
        for r in pv.rows:
            if r.already and r.earlier.demand_id and r.decision.line not in links:
                links[r.decision.line] = r.earlier.demand
        for cm in export.messages.all():
            demand = links.get(cm.line)
            ticked = cm.line in lines and cm.line in links and not any(
                r.already for r in pv.rows if r.decision.line == cm.line)
            if demand is not None or ticked:
                cm.demand = demand
                cm.is_demand = ticked
                cm.save(update_fields=["demand", "is_demand"])
        export.registered_at = timezone.now()
        export.registered_by = user
        export.save(update_fields=["registered_at", "registered_by"])
    return result


ERASED = "（已清除）"


def forget_reporters(demand_ids, *, values: list[str]) -> int:
    """Erasure and retention: the group-chat exports these demands came from no longer hold the reporters'
    nicknames or phones (`values`). Returns the exports changed."""
    values = sorted({v for v in values if len(v) >= 2}, key=len, reverse=True)
    if not values:
        return 0
    export_ids = ChatMessage.objects.filter(demand_id__in=demand_ids).values("export_id")
    changed = 0
    with transaction.atomic():
        for export in ChatExport.objects.select_for_update().filter(pk__in=export_ids).order_by("pk"):
            text = export.text
            for v in values:
                text = text.replace(v, ERASED)
            if text != export.text:
                ChatExport.objects.filter(pk=export.pk).update(text=text)
                changed += 1
    return changed
