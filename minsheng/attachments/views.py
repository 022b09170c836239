"""Serving attachment files. The owner apps keep their URLs (interfaces.md) as thin views calling serve."""

from __future__ import annotations

from django.db import models
from django.http import FileResponse, HttpRequest

from .owners import owner_of
from .selectors import visible_attachment


def serve(request: HttpRequest, owner_model: type[models.Model], pk: int, *, not_found: Exception,
          owner_filter: dict | None = None) -> FileResponse:
    """The file of attachment `pk` with its real type (the server also sends nosniff), if the owner's
    scope check allows; else raise `not_found` (the owner's 404, page or JSON)."""
    a = visible_attachment(request, owner_model, pk, owner_filter)
    if a is None:
        raise not_found
    try:
        handle = a.file.open("rb")
    except FileNotFoundError:
        raise not_found from None
    response = FileResponse(handle, content_type=a.content_type)
    response["Cache-Control"] = owner_of(owner_model).cache_control
    return response
