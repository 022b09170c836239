"""Every change to a demand: intake and one function per transition (domain.md §3). The public
entry: callers import from here.

Each transition runs in a transaction through `transitions._transition` (the shared workflow): it
locks the demand row, checks the caller's role and scope (NotAllowed → 403), the version and the
demand's state (Conflict → 409) by the rule table `transitions.RULES`, changes the row, bumps its
version and writes a DemandEvent and its notices in the same transaction; notices are delivered after
commit. The web pages, the API, the command line and the importers all call these functions.

Where the rest lives: merging a duplicate (`merging`), the callback and what follows it
(`callbacks`), classification and the triage engine's second look (`classifying`), the ledger import
(`ledger_import`), a resident's own data (`personal_data`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from minsheng.accounts.models import TERRITORIAL_ROLES, Role
from minsheng.accounts.selectors import users_with_role
from minsheng.attachments import services as attachments
from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.queue import enqueue_on_commit
from minsheng.territory import selectors as territory_selectors
from minsheng.territory.models import Community, Grid, Town
from minsheng.triage.engine import embed
from minsheng.triage.services import analyse

from . import rules, signals, tasks
from .callbacks import MAX_REOPENS, callback, callback_no_answer, close, reopen
from .classifying import classify, record_assessment
from .ledger_import import import_history
from .merging import merge
from .models import (
    CodeCounter,
    Complexity,
    Demand,
    Extension,
    Kind,
    PhotoStage,
    Status,
)
from .personal_data import correct_reporter, erase_reporter
from .transitions import (
    _alert_town,
    _event,
    _is_staff,
    _lock,
    _transition,
    act_checked,
    allowed_actions,
    staff,
    staff_or_handler,
)

# What other modules of this app hold, re-exported so that callers keep one entry point.
__all__ = [
    "MAX_REOPENS", "act_checked", "allowed_actions", "callback", "callback_no_answer", "classify", "close",
    "correct_reporter", "erase_reporter", "import_history", "merge", "record_assessment", "reopen", "staff",
    "staff_or_handler",
]

S = Status

# ---------------------------------------------------------------------------------------------
# Intake


def _next_code(prefix: str, at: datetime) -> str:
    year = timezone.localtime(at).year
    table, last = (connection.ops.quote_name(n) for n in (CodeCounter._meta.db_table, "last"))
    # One statement takes the next number (SQLite ≥ 3.35 and PostgreSQL both answer RETURNING).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE prefix = %s AND year = %s RETURNING {last}",
                       [prefix, year])
        row = cursor.fetchone()
    if row is None:
        CodeCounter.objects.get_or_create(prefix=prefix, year=year)
        return _next_code(prefix, at)
    return f"{prefix}-{year}-{row[0]:05d}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _resolve_town(community: Community | None, grid: Grid | None, town: Town | None) -> Town:
    if grid is not None:
        return grid.community.town
    if community is not None:
        return community.town
    if town is not None:
        return town
    if (only := territory_selectors.sole_town()) is not None:
        return only
    raise InvalidInput("community: 请指明社区或地点", field="community")


def analyse_intake(*, text: str, channel: str, community: Community | None = None, grid: Grid | None = None,
                   town: Town | None = None, place_text: str = "", lat: float | None = None,
                   lon: float | None = None):
    """Triage a new demand's text before its write transaction opens (see `register(analysis=)`)."""
    text, channel = rules.clean_text(text), rules.clean_channel(channel)
    place_text = rules.clean_text(place_text, field="place", max_len=rules.MAX_PLACE, required=False)
    lat, lon = rules.clean_point(lat, lon)
    return analyse(text, town=_resolve_town(community, grid, town), place_text=place_text, lat=lat, lon=lon,
                   channel=channel)


def register(
    *, text: str, channel: str, actor=None, town: Town | None = None, community: Community | None = None,
    grid: Grid | None = None, place_text: str = "", lat: float | None = None, lon: float | None = None,
    reporter_name: str = "", reporter_phone: str = "", reporter_user=None, received_at: datetime | None = None,
    source_ref: str = "", source_line: int | None = None, category: str | None = None,
    urgent: bool | None = None, kind: str | None = None, run_triage: bool = True, actor_label: str | None = None,
    analysis=None,
) -> tuple[Demand, str]:
    """Register a new demand from any channel. Returns the demand and its tracking token.

    Triage (and its duplicate search) runs before the write transaction opens, so the database's
    write lock is held only for the inserts. A caller that wraps `register` in its own transaction
    passes `analysis=analyse_intake(...)` computed beforehand for the same reason.
    """
    text = rules.clean_text(text)
    channel = rules.clean_channel(channel)
    place_text = rules.clean_text(place_text, field="place", max_len=rules.MAX_PLACE, required=False)
    reporter_name = rules.clean_text(reporter_name, field="reporter_name", max_len=rules.MAX_NAME, required=False)
    reporter_phone = rules.clean_phone(reporter_phone)
    lat, lon = rules.clean_point(lat, lon)
    if grid is not None and community is not None and grid.community_id != community.pk:
        raise InvalidInput("grid: 网格不属于该社区", field="grid")
    if kind is not None and kind not in Kind.values:
        raise InvalidInput(f"kind: 须为 {'/'.join(Kind.values)}", field="kind")
    town = _resolve_town(community, grid, town or (analysis.town if analysis else None))

    if run_triage and analysis is None:
        analysis = analyse(text, town=town, place_text=place_text, lat=lat, lon=lon, channel=channel)
    if not run_triage:
        analysis = None
    if analysis is not None:
        if community is None and grid is None:
            community, grid = analysis.community, analysis.grid
        elif grid is None and analysis.grid is not None and analysis.grid.community_id == (community.pk if community else None):
            grid = analysis.grid
    if grid is not None and community is None:
        community = grid.community

    now = timezone.now()
    received_at = received_at or now
    prefix = community.code if community else town.code
    token = secrets.token_urlsafe(12)
    chosen_category = category or (analysis.category if analysis else "other")
    with transaction.atomic():
        demand = Demand.objects.create(
            code=_next_code(prefix, received_at),
            town=town, community=community, grid=grid,
            place=analysis.place if analysis and analysis.place and analysis.community == community else None,
            place_text=place_text, lat=lat, lon=lon, text=text, channel=channel,
            source_ref=source_ref[:120], source_line=source_line,
            reporter_name=reporter_name, reporter_phone=reporter_phone, reporter_user=reporter_user,
            tracking_digest=_digest(token),
            category=chosen_category,
            urgent=urgent if urgent is not None else bool(analysis and analysis.urgent),
            possibly_urgent=urgent is None and bool(analysis and analysis.possibly_urgent),
            kind=kind or (analysis.kind if analysis and analysis.kind else Kind.HELP),
            needs_classification=(category is None) and (analysis is None or analysis.needs_classification),
            triage=analysis.as_json() if analysis else {},
            received_at=received_at,
        )
        # The reporter's receipt and the triage engine's second look are one background task, queued
        # in this transaction: neither is needed to answer the request (docs/performance.md).
        _event(demand, actor, "register", "", S.RECEIVED, note="", at=received_at, actor_label=actor_label,
               data={"channel": channel, "source_ref": source_ref, "source_line": source_line})
        signals.demand_changed.send(sender=Demand, before=None, after=demand)
        look = analysis is not None and urgent is None and embed.available()
        if look or reporter_phone or reporter_user is not None:
            code = demand.code
            enqueue_on_commit(lambda: tasks.after_intake.enqueue(code, look=look))
    return demand, token


# ---------------------------------------------------------------------------------------------
# One function per transition (the others: merging, callbacks, classifying)


@transaction.atomic
def accept(demand, actor, *, note: str = "", tell_reporter: str = "", expected_version: int | None = None) -> Demand:
    def change(d):
        d.accepted_at = timezone.now()

    return _transition(demand, actor, "accept", change=change, note=note, public_note=rules.told(tell_reporter),
                       expected_version=expected_version)


@transaction.atomic
def reject(demand, actor, *, reason: str, expected_version: int | None = None) -> Demand:
    reason = rules.clean_text(reason, field="reason", max_len=500)

    def change(d):
        d.reply = reason
        d.closed_at = timezone.now()

    return _transition(demand, actor, "reject", change=change, public_note=reason, expected_version=expected_version)


@transaction.atomic
def answer(demand, actor, *, reply: str, note: str = "", photos=(), expected_version: int | None = None) -> Demand:
    """Answer a consultation directly; `photos` (uploads, at most MAX_PHOTOS_PER_FORM) are its after-photos."""
    reply = rules.clean_text(reply, field="reply", max_len=rules.MAX_TEXT)
    cleaned = check_photos(photos)

    def change(d):
        now = timezone.now()
        d.reply = reply
        d.contacted_at = d.contacted_at or now
        d.completed_at = now

    d = _transition(demand, actor, "answer", change=change, note=note, public_note=reply,
                    expected_version=expected_version)
    return _attach_all(d, actor, cleaned, stage=PhotoStage.AFTER)


def handler_choices(d: Demand):
    """Users who may be assigned: handlers of the demand's community or town."""
    return users_with_role(Role.HANDLER, town_id=d.town_id, community_id=d.community_id)


@transaction.atomic
def assign(demand, actor, *, handler: str, complexity: str | None = None, note: str = "",
           tell_reporter: str = "", expected_version: int | None = None) -> Demand:
    if complexity is not None and complexity not in Complexity.values:
        raise InvalidInput(f"complexity: 须为 {'/'.join(Complexity.values)}", field="complexity")
    user = get_user_model().objects.filter(username=handler or "", is_active=True).first()
    if user is None:
        raise InvalidInput(f"handler: 没有用户名为“{handler}”的承办人", field="handler")

    def may(d):
        if not staff(actor, d):
            return False
        if not handler_choices(d).filter(pk=user.pk).exists():
            raise InvalidInput(f"handler: {handler} 不是本社区或本镇的承办人", field="handler")
        return True

    def change(d):
        # The first assignment is what the response rate measures; a reassignment or a reopened
        # demand gets a new completion deadline from now.
        now = timezone.now()
        d.handler = user
        d.handler_label = user.get_full_name() or user.username
        if complexity:
            d.complexity = complexity
        if d.assigned_at is None:
            d.assigned_at = now
            d.contact_deadline = rules.contact_deadline(now, urgent=d.urgent)
        d.due_at = rules.completion_deadline(now, urgent=d.urgent, complexity=d.complexity)
        d.completed_at = None
        d.reminded_at = None

    return _transition(demand, actor, "assign", may=may, change=change, note=note, public_note=rules.told(tell_reporter),
                       data={"handler": user.username, "complexity": complexity}, expected_version=expected_version)


@transaction.atomic
def contact(demand, actor, *, note: str = "", tell_reporter: str = "", expected_version: int | None = None) -> Demand:
    note = rules.clean_text(note, field="note", max_len=rules.MAX_TEXT, required=False)

    def change(d):
        if d.contacted_at is None:
            d.contacted_at = timezone.now()

    return _transition(demand, actor, "contact", change=change, note=note, public_note=rules.told(tell_reporter),
                       expected_version=expected_version)


@transaction.atomic
def reply(demand, actor, *, reply: str, note: str = "", photos=(), expected_version: int | None = None) -> Demand:
    """Report the work done; `photos` (uploads, at most MAX_PHOTOS_PER_FORM) are its after-photos, saved
    with the reply or not at all."""
    text = rules.clean_text(reply, field="reply", max_len=rules.MAX_TEXT)
    cleaned = check_photos(photos)

    def change(d):
        d.reply = text
        d.completed_at = timezone.now()

    d = _transition(demand, actor, "reply", change=change, note=note, public_note=text,
                    expected_version=expected_version)
    return _attach_all(d, actor, cleaned, stage=PhotoStage.AFTER)


MAX_EXTENSION_DAYS = 30


@transaction.atomic
def extend(demand, actor, *, days: int, reason: str, expected_version: int | None = None) -> Demand:
    """Extend the completion deadline; the approving staff member is the actor. Shown to the reporter."""
    reason = rules.clean_text(reason, field="reason", max_len=500)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(f"days: 须为 1 到 {MAX_EXTENSION_DAYS} 之间的整数", field="days")

    def change(d):
        old = d.due_at
        d.due_at = old + timedelta(days=days)
        d.reminded_at = None
        Extension.objects.create(demand=d, days=days, reason=reason, requested_by=d.handler or actor,
                                 approved_by=actor, old_due_at=old, new_due_at=d.due_at)

    return _transition(demand, actor, "extend", change=change, public_note=f"延期 {days} 天：{reason}",
                       data={"days": days}, expected_version=expected_version)


@transaction.atomic
def archive(demand, actor, *, expected_version: int | None = None) -> Demand:
    return _transition(demand, actor, "archive", public=False, expected_version=expected_version)


@transaction.atomic
def escalate(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    """吹哨: raise the demand to the town. A flag, not a state."""

    def change(d):
        if d.escalated:
            raise Conflict(f"诉求 {d.code} 已经吹哨")
        d.escalated = True

    d = _transition(demand, actor, "escalate", change=change, note=note, public=False,
                    expected_version=expected_version)
    _alert_town(d, f"诉求 {d.code} 吹哨上报：{note or d.text[:40]}")
    return d


@transaction.atomic
def supervise(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    """督办 by the town: a flag, not a state."""

    def change(d):
        d.supervised = True

    return _transition(demand, actor, "supervise", change=change, note=note, public=False,
                       expected_version=expected_version)


# Called by the projects app when a project answering these demands enters service.
@transaction.atomic
def project_in_service(demand, actor, *, project_title: str) -> Demand:
    def change(d):
        now = timezone.now()
        d.completed_at = d.completed_at or now
        d.contacted_at = d.contacted_at or now
        d.reply = d.reply or f"项目“{project_title}”已建成投用"
        d.callback_at = None

    return _transition(demand, actor, "project_done", change=change, public_note=f"项目“{project_title}”已投用，待回访")


def check_tracking(d: Demand, token: str) -> bool:
    return bool(token) and bool(d.tracking_digest) and secrets.compare_digest(d.tracking_digest, _digest(token))


# ---------------------------------------------------------------------------------------------
# Attachments

MAX_ATTACHMENTS = 9
MAX_PHOTOS_PER_FORM = 3  # photos sent with the resident's form, or with the handler's reply


def check_photos(uploads, *, limit: int = MAX_PHOTOS_PER_FORM) -> list[attachments.CleanPhoto]:
    """Check the photos sent with a form before anything is written: at most `limit`, each a real image
    (refused as a whole, naming the photo, so that nothing is half-saved)."""
    uploads = [u for u in uploads if u]
    if len(uploads) > limit:
        raise InvalidInput(f"photos: 最多上传 {limit} 张照片", field="photos")
    cleaned = []
    for i, upload in enumerate(uploads, start=1):
        try:
            cleaned.append(attachments.clean_photo(upload))
        except InvalidInput as exc:
            reason = exc.detail.removeprefix("file: ")
            name = (getattr(upload, "name", "") or "")[:60]
            raise InvalidInput(f"photos: 第 {i} 张照片{f'（{name}）' if name else ''}{reason}", field="photos") from None
    return cleaned


def default_stage(d: Demand, actor, *, by_reporter: bool = False) -> str:
    """Who uploads decides the stage when none is given: the reporter and the staff who take the report
    show the problem (before); the demand's handler shows the work done (after)."""
    if by_reporter:
        return PhotoStage.BEFORE
    if getattr(actor, "is_authenticated", False) and d.handler_id == actor.pk:
        return PhotoStage.AFTER
    return PhotoStage.BEFORE


def clean_stage(stage: str | None) -> str | None:
    stage = (stage or "").strip() or None
    if stage is not None and stage not in PhotoStage.values:
        raise InvalidInput(f"stage: 须为 {'/'.join(PhotoStage.values)}（处理前/处理后）", field="stage")
    return stage


@transaction.atomic
def add_attachment(demand: Demand | str, actor, upload, *, by_reporter: bool = False, stage: str | None = None) -> Demand:
    """Add photos to a demand in one step with one event. `upload` is a file, a photo already checked by
    `check_photos`, or a list of either; `stage` (PhotoStage) defaults by who uploads (`default_stage`).
    The reporter adds before-photos only."""
    if isinstance(demand, str):  # a code (the page's act_checked): the stage may depend on its handler
        demand = _lock(demand)
    stage = clean_stage(stage) or default_stage(demand, actor, by_reporter=by_reporter)
    if by_reporter and stage == PhotoStage.AFTER:
        raise InvalidInput("stage: 诉求人只能上传处理前的照片", field="stage")
    uploads = upload if isinstance(upload, list) else [upload]
    photos = [u if isinstance(u, tuple) else attachments.clean_photo(u) for u in uploads]
    if not photos:
        raise InvalidInput("photos: 请选择照片", field="photos")

    def may(d):
        return by_reporter or staff_or_handler(actor, d) or _is_staff(actor, d, TERRITORIAL_ROLES)

    def change(d):
        if d.attachments.count() + len(photos) > MAX_ATTACHMENTS:
            raise InvalidInput(f"file: 每件诉求最多 {MAX_ATTACHMENTS} 张图片", field="file")
        for photo in photos:
            attachments.store(d, photo, actor=actor, kind=stage)

    what = "上传处理后照片" if stage == PhotoStage.AFTER else "上传图片"
    return _transition(demand, actor, "attach", may=may, change=change,
                       note=what if len(photos) == 1 else f"{what} {len(photos)} 张", public=False,
                       actor_label="诉求人" if by_reporter else None, data={"stage": stage, "photos": len(photos)})


@transaction.atomic
def attach_photos(demand: Demand, actor, uploads, *, stage: str | None = None, required: bool = True) -> Demand:
    """Add the photos of one form (at most MAX_PHOTOS_PER_FORM) by `add_attachment`, all or none."""
    cleaned = check_photos(uploads)
    if required and not cleaned:
        raise InvalidInput("photos: 请选择照片", field="photos")
    return _attach_all(demand, actor, cleaned, stage=stage)


def _attach_all(d: Demand, actor, photos: list[attachments.CleanPhoto], *, stage: str | None) -> Demand:
    return add_attachment(d, actor, photos, stage=stage) if photos else d
