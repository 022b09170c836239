"""The owners of attachments: each owner app registers its model once (in its AppConfig.ready) with
where new files go, who may see them, and how long a browser may keep them. The attachments app
never imports an owner app; the owners call it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.http import HttpRequest


@dataclass(frozen=True)
class Owner:
    folder: Callable[[models.Model], str]
    may_see: Callable[[HttpRequest, models.Model], bool]
    cache_control: str


_OWNERS: dict[str, Owner] = {}


def register_owner(model: type[models.Model], *, folder: Callable[[models.Model], str],
                   may_see: Callable[[HttpRequest, models.Model], bool], public: bool = False) -> None:
    """Declare `model` an owner of attachments. `folder(owner)`: the directory under MEDIA_ROOT for its
    new files; `may_see(request, owner)`: whether the caller may see the owner's attachments (else 404);
    `public`: files may be cached by shared caches for a day (else privately for an hour)."""
    cache_control = "public, max-age=86400" if public else "private, max-age=3600"
    _OWNERS[model._meta.label_lower] = Owner(folder=folder, may_see=may_see, cache_control=cache_control)


def owner_of(model: type[models.Model] | models.Model) -> Owner:
    try:
        return _OWNERS[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"{model._meta.label} is not registered as an owner of attachments") from None
