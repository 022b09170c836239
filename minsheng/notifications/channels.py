"""One interface for every way of telling someone something.

A channel delivers one Notification. In-app messages need no delivery (the row is the message);
email uses Django's mail backend; SMS and WeChat template messages go through adapters that, until a
provider is configured, write the message to the log (development and tests).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from minsheng.accounts.services import mask_phone

from .models import Notification

log = logging.getLogger("minsheng.notifications")


class Channel:
    kind: str

    def deliver(self, n: Notification) -> None:  # raises on failure
        raise NotImplementedError


class InAppChannel(Channel):
    kind = Notification.ChannelKind.IN_APP

    def deliver(self, n: Notification) -> None:
        return None


class EmailChannel(Channel):
    kind = Notification.ChannelKind.EMAIL

    def deliver(self, n: Notification) -> None:
        to = n.address or (n.recipient.email if n.recipient else "")
        if not to:
            raise ValueError("no email address")
        body = n.body + (f"\n\n{n.link}" if n.link else "")
        send_mail(n.subject, body, settings.DEFAULT_FROM_EMAIL, [to])


class LogSmsChannel(Channel):
    """SMS adapter for development: logs instead of sending. A provider adapter replaces it."""

    kind = Notification.ChannelKind.SMS

    def deliver(self, n: Notification) -> None:
        log.info("SMS to %s: %s %s", mask_phone(n.address), n.body, n.link)


class LogWechatChannel(Channel):
    kind = Notification.ChannelKind.WECHAT

    def deliver(self, n: Notification) -> None:
        log.info("WeChat template to %s: %s", n.recipient_id or n.address, n.subject)


def channel_for(kind: str) -> Channel:
    from django.utils.module_loading import import_string

    paths = getattr(settings, "MINSHENG_NOTIFY_CHANNELS", {})
    defaults = {c.kind: c for c in (InAppChannel, EmailChannel, LogSmsChannel, LogWechatChannel)}
    if kind in paths:
        return import_string(paths[kind])()
    return defaults[kind]()
