"""Writes of reliability: a resident's rights over their personal data (domain.md §7) and the retention rule.

- see: a signed-in resident sees their own demands with their own name and phone (logged like any
  unmasked read);
- correct: name and phone, on the account and on every demand they reported;
- export: everything the platform holds about them, as JSON;
- delete: a request that staff of the resident's community (or the town) approve; approval blanks the
  personal fields of their demands (and the account's name and email) — the demands and their events
  stay, as every step of a demand is kept (domain.md §3);
- retention: the personal fields of demands closed more than MINSHENG_RETENTION_DAYS ago are blanked
  by a daily job.

Erasure and retention reach every copy, through the services of the app that owns it: notification rows
(address, body), answers kept for retries (idempotency records), one-time reporter codes, opinion-form
answers, group-chat exports and ledger uploads (their previews, and the files kept on disk). The audit
log of reads (accounts.PersonalDataRead) holds who read which demand, never the values, and stays.

Blanking is recorded as a non-public demand event whose data never holds the old values.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from minsheng.accounts import scope
from minsheng.accounts.models import PersonalDataRead, Role
from minsheng.accounts.selectors import memberships, preload_memberships, users_with_role
from minsheng.accounts.services import log_personal_data_read, log_personal_data_reads
from minsheng.collection.services import chat as chat_services
from minsheng.collection.services import ledger_web, opinion
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed
from minsheng.demands import idempotency, personal_data, reporter, rules
from minsheng.demands import services as demand_services
from minsheng.demands.models import ENDED_STATES, Demand, DemandEvent
from minsheng.demands.personal_data import has_personal
from minsheng.notifications import services as notifications

from .models import DeletionRequest

ERASED_BY_REQUEST = "erase_personal"
ERASED_BY_RETENTION = "retention_erase"
CORRECTED = personal_data.CORRECTED


def own_demands(user):
    if not getattr(user, "is_authenticated", False):
        return Demand.objects.none()
    return Demand.objects.filter(reporter_user=user).select_related("community").order_by("-received_at", "-id")


def is_resident(user) -> bool:
    return any(m.role in scope.RULES["resident"] for m in memberships(user))


def view_own(user) -> list[Demand]:
    """The resident's demands, with their personal data in full (the read is logged: a row per demand,
    written together)."""
    demands = list(own_demands(user))
    log_personal_data_reads(user=user, subjects=[f"demand:{d.code}" for d in demands
                                                 if d.reporter_name or d.reporter_phone],
                            fields=["reporter_name", "reporter_phone"], via="me")
    return demands


@transaction.atomic
def correct(user, *, name: str, phone: str) -> int:
    """Set the resident's name and phone on the account and on their demands. Returns demands changed."""
    name = rules.clean_text(name, field="reporter_name", max_len=rules.MAX_NAME, required=False)
    phone = rules.clean_phone(phone)
    if not name and not phone:
        raise InvalidInput("reporter_name: 请填写姓名或电话", field="reporter_name")
    user.first_name = name[:150]
    user.save(update_fields=["first_name"])
    return demand_services.correct_reporter(user, name=name, phone=phone)


def export(user) -> dict:
    """Everything held about the user, for a JSON download."""
    public_events = Prefetch("events", queryset=DemandEvent.objects.filter(public=True).order_by("at", "id"),
                             to_attr="public_events")
    demands = list(own_demands(user).prefetch_related("attachments", public_events))
    codes = [f"demand:{d.code}" for d in demands]
    reads = PersonalDataRead.objects.filter(subject__in=codes).exclude(user=user).order_by("at")
    out = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username, "name": user.get_full_name(), "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "roles": [{"role": m.role, "node": m.node.name} for m in memberships(user)],
        },
        "demands": [
            {
                "code": d.code, "received_at": d.received_at.isoformat(), "status": d.status,
                "channel": d.channel, "text": d.text, "place": d.place_text, "lat": d.lat, "lon": d.lon,
                "reporter_name": d.reporter_name, "reporter_phone": d.reporter_phone,
                "community": d.community.name if d.community_id else None, "category": d.category,
                "reply": d.reply, "resolution": d.resolution, "satisfaction": d.satisfaction,
                "attachments": [{"content_type": a.content_type, "size": a.size,
                                 "uploaded_at": a.created_at.isoformat()} for a in d.attachments.all()],
                "events": [{"at": e.at.isoformat(), "action": e.action, "to_status": e.to_status,
                            "note": e.public_note}
                           for e in d.public_events],
            }
            for d in demands
        ],
        "personal_data_reads": [
            {"at": r.at.isoformat(), "subject": r.subject, "fields": r.fields.split(","), "via": r.via}
            for r in reads
        ],
        "deletion_requests": [
            {"requested_at": r.requested_at.isoformat(), "state": r.state,
             "decided_at": r.decided_at.isoformat() if r.decided_at else None}
            for r in user.deletion_requests.all()
        ],
    }
    log_personal_data_read(user=user, subject=f"user:{user.pk}", fields=["export"], via="me:export")
    return out


@transaction.atomic
def request_deletion(user, *, reason: str = "") -> DeletionRequest:
    reason = rules.clean_text(reason, field="reason", max_len=500, required=False)
    if DeletionRequest.objects.select_for_update().filter(user=user, state=DeletionRequest.State.PENDING).exists():
        raise Conflict("您已有一份待审核的删除申请")
    req = DeletionRequest.objects.create(user=user, reason=reason)
    approvers = _approver_candidates(user)
    transaction.on_commit(lambda: _safe_notify(notifications.notify_users, approvers, req))
    return req


def _safe_notify(notify_users, users, req) -> None:
    try:
        notify_users(users, subject="个人信息删除申请", body=f"居民 {req.user.username} 申请删除个人信息，请审核。",
                     link="/desk/privacy/")
    except Exception:
        logging.getLogger("minsheng.reliability").exception("notification of deletion request %s failed", req.pk)


def _resident_nodes_of(users) -> dict[int, list[tuple[int | None, int | None]]]:
    """Per user: (town_id, community_id) of the resident's communities, or of the demands they reported
    (in at most two queries for all of them)."""
    users = list(users)
    preload_memberships(users)
    out: dict[int, list[tuple[int | None, int | None]]] = {}
    for user in users:
        nodes = out.setdefault(user.pk, [])
        for m in memberships(user):
            if m.role in scope.RULES["resident"]:
                ids = scope.node_ids(m)
                nodes.append((ids["town"], ids.get("community")))
    others = [pk for pk, nodes in out.items() if not nodes]
    if others:
        for pk, town_id, community_id in (Demand.objects.filter(reporter_user_id__in=others)
                                          .values_list("reporter_user_id", "town_id", "community_id")
                                          .distinct().order_by()):
            out[pk].append((town_id, community_id))
    return out


def _resident_nodes(user) -> list[tuple[int | None, int | None]]:
    return _resident_nodes_of([user])[user.pk]


def can_decide(staff, req: DeletionRequest, nodes: list[tuple[int | None, int | None]] | None = None) -> bool:
    """`nodes`: the requester's `_resident_nodes`, when already known."""
    if not getattr(staff, "is_authenticated", False) or not staff.is_active or staff.pk == req.user_id:
        return False
    if nodes is None:
        nodes = _resident_nodes(req.user)
    return any(scope.reaches(staff, {"town": t, "community": c, "grid": None}, "manage") for t, c in nodes)


def _approver_candidates(user):
    found = {}
    for town_id, community_id in _resident_nodes(user):
        for role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY):
            for u in users_with_role(role, town_id=town_id, community_id=community_id):
                found[u.pk] = u
    return list(found.values())


def pending_for(staff):
    """Pending requests this staff member may decide, each with `n_demands` (demands its requester
    reported), in a fixed number of queries."""
    reqs = list(DeletionRequest.objects.filter(state=DeletionRequest.State.PENDING).select_related("user")
                .annotate(n_demands=Count("user__reported_demands")).order_by("requested_at", "id"))
    nodes = _resident_nodes_of(r.user for r in reqs)
    return [r for r in reqs if can_decide(staff, r, nodes[r.user_id])]


@transaction.atomic
def decide(req_id: int, staff, *, approve: bool, note: str = "") -> DeletionRequest:
    note = rules.clean_text(note, field="note", max_len=500, required=False)
    req = DeletionRequest.objects.select_for_update().select_related("user").filter(pk=req_id).first()
    if req is None or not can_decide(staff, req):
        raise NotAllowed("无权审核该申请")
    if req.state != DeletionRequest.State.PENDING:
        raise Conflict("该申请已审核")
    req.state = DeletionRequest.State.APPROVED if approve else DeletionRequest.State.REFUSED
    req.decided_by, req.decided_at, req.note = staff, timezone.now(), note
    if approve:
        req.demands_blanked = erase_personal_data(Demand.objects.filter(reporter_user=req.user), actor=staff,
                                                  action=ERASED_BY_REQUEST, note="应诉求人申请清除个人信息")
        user = req.user
        user.first_name = user.last_name = user.email = ""
        user.save(update_fields=["first_name", "last_name", "email"])
    req.save()
    return req


def erase_personal_data(demands, *, actor, action: str, note: str) -> int:
    """Blank reporter name and phone of these demands, and every copy of them the other apps keep
    (through their own services): notification rows, answers kept for retries, one-time codes,
    opinion-form answers, chat exports and ledger uploads. One event each. Returns how many changed."""
    changed = demand_services.erase_reporter(demands, actor=actor, action=action, note=note)
    _forget_copies(changed)
    return len(changed)


def _forget_copies(demands: list[Demand]) -> None:
    if not demands:
        return
    ids = [d.pk for d in demands]
    for d in demands:
        notifications.forget_reporter(d.code, phone=d.reporter_phone, name=d.reporter_name)
    idempotency.forget(ids)
    reporter.forget(ids)
    opinion.forget_respondents(ids)
    chat_services.forget_reporters(ids, values=[v for d in demands for v in (d.reporter_name, d.reporter_phone)])
    ledger_web.forget([d.code for d in demands])


def retention_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.MINSHENG_RETENTION_DAYS)


def apply_retention(now=None, *, batch: int = 500) -> int:
    """Blank the personal fields of demands ended (closed, archived, rejected, merged) before the cutoff,
    with their copies; then drop what is kept only for a while (answers kept for retries, expired codes,
    ledger uploads not imported) and copies an earlier erasure left behind. Returns demands blanked."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(Demand.objects.filter(has_personal(), status__in=ENDED_STATES, closed_at__lt=cutoff)
                       .order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            changed = erase_personal_data(
                Demand.objects.filter(pk__in=ids), actor=None, action=ERASED_BY_RETENTION,
                note=f"结案满 {settings.MINSHENG_RETENTION_DAYS} 天，个人信息已按保存期限清除")
        if not changed:
            break
        total += changed
    _sweep(now, cutoff)
    return total


def _sweep(now, cutoff) -> None:
    idempotency.drop_older_than(now - timedelta(hours=settings.MINSHENG_IDEMPOTENCY_KEEP_HOURS))
    reporter.drop_expired(now - timedelta(days=1))
    ledger_web.drop_stale_uploads(now)
    # Notification rows still addressed to a phone that the demand no longer holds (erased before copies
    # followed erasure, or ended and blanked): they follow now.
    blanked = Demand.objects.filter(reporter_phone="").filter(
        Q(status__in=ENDED_STATES, closed_at__lt=cutoff) | Q(events__action=ERASED_BY_REQUEST)).values("code")
    with transaction.atomic():
        for code in notifications.codes_with_reporter_rows(blanked):
            notifications.forget_reporter(code)
