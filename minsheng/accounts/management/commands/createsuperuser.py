"""`createsuperuser` that holds `--noinput` to the password rules too.

Django's own command checks AUTH_PASSWORD_VALIDATORS only when it asks for the password; with
`--noinput` it takes DJANGO_SUPERUSER_PASSWORD as it is. An administrator account is the last one that
should get a weak password, so the same validators run here and a refused password creates nothing.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options.get("interactive") and password:
            model = get_user_model()
            username = options.get(model.USERNAME_FIELD) or os.environ.get(
                f"DJANGO_SUPERUSER_{model.USERNAME_FIELD.upper()}", "")
            try:
                password_validation.validate_password(password, model(**{model.USERNAME_FIELD: username}))
            except ValidationError as exc:
                raise CommandError("DJANGO_SUPERUSER_PASSWORD: " + "；".join(exc.messages)) from None
        return super().handle(*args, **options)
