"""Domain errors that every channel (page, API, command, importer) turns into the same answer."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal that carries its HTTP status and a message naming the field and the reason."""

    status = 400

    def __init__(self, detail: str, *, field: str | None = None, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if status is not None:
            self.status = status

    def as_json(self) -> dict:
        body: dict = {"detail": self.detail}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    status = 422


class NotAllowed(DomainError):
    """The caller's role or scope does not permit the action."""

    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The object's state does not permit the action (or another user changed it first)."""

    status = 409


class Throttled(DomainError):
    status = 429
