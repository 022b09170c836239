"""`minsheng createsuperuser --noinput` applies the password rules (issue #11)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_noinput_refuses_a_weak_password_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("createsuperuser", "--noinput", "--username", "root-admin", "--email", "a@example.cn")
    assert not get_user_model().objects.filter(username="root-admin").exists()


@pytest.mark.django_db
def test_noinput_accepts_a_strong_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "湖塘镇-Strong-Pass-2026")
    call_command("createsuperuser", "--noinput", "--username", "root-admin", "--email", "a@example.cn")
    user = get_user_model().objects.get(username="root-admin")
    assert user.is_superuser and user.check_password("湖塘镇-Strong-Pass-2026")
