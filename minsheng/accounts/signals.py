"""Every way a password changes or an account is deactivated (the password-change page, the admin, a
service calling `set_password`, `minsheng changepassword`) ends in `User.save()`: tokens are revoked there."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .services import revoke_all_tokens

WATCHED = frozenset({"password", "is_active"})


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _note_credential_change(sender, instance, update_fields=None, **kwargs) -> None:
    instance._minsheng_revoke_tokens = False
    if instance.pk is None or (update_fields is not None and not WATCHED & set(update_fields)):
        return  # a new user, or e.g. the last_login update at sign-in: no query
    old = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if old is not None and (old["password"] != instance.password or (old["is_active"] and not instance.is_active)):
        instance._minsheng_revoke_tokens = True


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _revoke_tokens(sender, instance, created, **kwargs) -> None:
    if getattr(instance, "_minsheng_revoke_tokens", False):
        instance._minsheng_revoke_tokens = False
        revoke_all_tokens(instance)
