"""The WeChat group exports move from the old `intake` app into `collection`, the one app of the
channels. A database that ran intake's migrations keeps its rows: the two tables are renamed. A new
database gets them created here."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["ChatExport", "ChatMessage"]


def adopt_or_create(apps, schema_editor):
    tables = set(schema_editor.connection.introspection.table_names())
    for name in MODELS:
        model = apps.get_model("collection", name)
        old = f"intake_{name.lower()}"
        if old in tables:
            schema_editor.alter_db_table(model, old, model._meta.db_table)
        else:
            schema_editor.create_model(model)


def give_back(apps, schema_editor):
    for name in reversed(MODELS):
        model = apps.get_model("collection", name)
        schema_editor.alter_db_table(model, model._meta.db_table, f"intake_{name.lower()}")


class Migration(migrations.Migration):

    dependencies = [
        ("collection", "0001_initial"),
        ("demands", "0001_initial"),
        ("territory", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ChatExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('group_name', models.CharField(blank=True, max_length=100, verbose_name='群名称')),
                        ('sha256', models.CharField(db_index=True, max_length=64, verbose_name='文件摘要')),
                        ('text', models.TextField(verbose_name='聊天记录')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='上传时间')),
                        ('registered_at', models.DateTimeField(blank=True, null=True, verbose_name='登记时间')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='chat_exports', to='territory.community', verbose_name='社区')),
                        ('registered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                    ],
                    options={
                        'verbose_name': '微信群聊天记录',
                        'verbose_name_plural': '微信群聊天记录',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ChatMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line', models.PositiveIntegerField(verbose_name='行号')),
                        ('time', models.DateTimeField(blank=True, null=True, verbose_name='消息时间')),
                        ('sender_hash', models.CharField(max_length=64)),
                        ('text_hash', models.CharField(max_length=64)),
                        ('fingerprint', models.CharField(max_length=64)),
                        ('is_demand', models.BooleanField(default=False, verbose_name='是诉求')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.community')),
                        ('demand', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='chat_messages', to='demands.demand', verbose_name='诉求')),
                        ('export', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='collection.chatexport')),
                    ],
                    options={
                        'verbose_name': '群聊消息',
                        'verbose_name_plural': '群聊消息',
                        'ordering': ['export', 'line'],
                        'indexes': [models.Index(fields=['community', 'fingerprint'], name='intake_chat_fingerprint')],
                        'constraints': [models.UniqueConstraint(fields=('export', 'line'), name='intake_chatmessage_export_line')],
                    },
                ),
            ],
            database_operations=[],
        ),
        # After the state holds the two models, so that the function can build them.
        migrations.RunPython(adopt_or_create, give_back),
    ]
