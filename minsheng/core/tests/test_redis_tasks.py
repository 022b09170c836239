"""The same background work through the Redis-backed queue (django-tasks RQ backend), for scale-out.

Runs a separate `minsheng` process with REDIS_URL set (settings choose the backend at start-up):
enqueue through the app, run `minsheng worker --once`, and find the work done in the database.
"""

import os
import subprocess
import sys

import pytest

REDIS = os.environ.get("MINSHENG_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS and not os.environ.get("CI"),
                                reason="needs Redis: run under scripts/with-redis (make test does)")

SCRIPT = """
import django, os
django.setup()
from django.conf import settings
assert settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend", settings.TASKS
from django.core.management import call_command
from minsheng.demo.loaders import load_all
from minsheng.demands.services import register
from minsheng.notifications.models import Notification
load_all(territory_only=True)
from django.db import transaction
with transaction.atomic():
    register(text="采菱家园一期路灯坏了", channel="online", reporter_phone="13812345678")
sms = Notification.objects.filter(channel="sms")
assert not sms.exists()          # the receipt is written by the worker, after the request
call_command("worker", "--once", "--no-periodic")
assert sms.get().state == "sent", sms.get().state
print("ok")
"""


def test_rq_backend_delivers_notifications(tmp_path):
    assert REDIS, "CI must provide Redis (scripts/with-redis)"
    env = dict(os.environ, REDIS_URL=REDIS, MINSHENG_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="minsheng.settings")
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "minsheng", "migrate", "-v0"], env=env, check=True)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")
