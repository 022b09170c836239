"""Tokens expire: existing tokens get 30 days from their creation (MINSHENG_TOKEN_DAYS' default)."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.update(expires_at=F("created_at") + timedelta(days=30))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_personaldataread")]

    operations = [
        migrations.AddField("apitoken", "expires_at", models.DateTimeField(null=True, db_index=True,
                                                                           verbose_name="失效时间")),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField("apitoken", "expires_at", models.DateTimeField(db_index=True, verbose_name="失效时间")),
    ]
