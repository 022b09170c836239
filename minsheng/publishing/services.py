"""Writes of publishing: issuing Open311 keys to integrations, and requests they POST."""

from __future__ import annotations

from django.db import transaction

from minsheng.core.errors import DomainError
from minsheng.demands.models import Category
from minsheng.demands.services import register

from .models import Open311Client
from .selectors import Open311Error, find_town


def _float(name: str, value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, f"{name}: not a number") from None


def submit_request(*, client: Open311Client, p) -> dict:
    """POST /requests from an integration: validate the GeoReport fields and register the demand
    through `demands.services.register` (channel online, source_ref open311:<client>)."""
    code = p.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in Category.values:
        raise Open311Error(404, f"service_code {code} not found")
    lat, lon = _float("lat", p.get("lat")), _float("long", p.get("long"))
    address = p.get("address_string", "").strip()
    if (lat is None or lon is None) and not address and not p.get("address_id"):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = p.get("description", "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    town = None
    jurisdiction = p.get("jurisdiction_id", "").strip()
    if jurisdiction:
        town = find_town(jurisdiction)

    name = (p.get("last_name", "").strip() + p.get("first_name", "").strip())
    try:
        with transaction.atomic():
            demand, _token = register(
                text=description, channel="online", town=town,
                place_text=address or p.get("address_id", "").strip(),
                lat=lat if lon is not None else None, lon=lon if lat is not None else None,
                reporter_name=name, reporter_phone=p.get("phone", "").strip(),
                source_ref=f"open311:{client.name}", category=code,
            )
    except DomainError as exc:
        raise Open311Error(404 if exc.status == 404 else 400, exc.detail) from exc
    return {
        "service_request_id": demand.code,
        "token": None,
        "service_notice": f"已登记，编号 {demand.code}，将按时限派单办理。",
        "account_id": None,
    }


def add_client(*, name: str, key: str) -> Open311Client:
    """Issue an integration its api_key; only the key's digest and last four characters are kept."""
    client = Open311Client(name=name)
    client.set_key(key)
    client.save()
    return client
