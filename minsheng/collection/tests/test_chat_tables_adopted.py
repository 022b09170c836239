"""The WeChat exports moved from the old `intake` app into `collection`: a database made before the
move keeps every export and message (its tables are renamed, not recreated)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from minsheng.collection.models import ChatExport, ChatMessage
from minsheng.territory.models import Community

BEFORE = [("collection", "0001_initial")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_chat_exports(demo_territory):
    community = Community.objects.get(name="采菱社区")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("collection")
    _migrate(BEFORE)  # the reverse step gives the tables back their intake_ names
    try:
        tables = set(connection.introspection.table_names())
        assert {"intake_chatexport", "intake_chatmessage"} <= tables
        assert "collection_chatexport" not in tables
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO intake_chatexport (group_name, sha256, text, created_at, community_id)"
                " VALUES (%s, %s, %s, %s, %s)",
                ["采菱一群", "a" * 64, "2026-11-01 08:00 张阿姨: 3幢楼道灯坏了", "2026-11-01 08:00:00+08:00", community.pk])
            cursor.execute("SELECT id FROM intake_chatexport")
            export_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO intake_chatmessage (line, sender_hash, text_hash, fingerprint, is_demand, community_id,"
                " export_id) VALUES (1, %s, %s, %s, %s, %s, %s)",
                ["s" * 64, "t" * 64, "f" * 64, True, community.pk, export_id])
    finally:
        _migrate(latest)

    export = ChatExport.objects.get()
    assert (export.pk, export.group_name, export.community_id) == (export_id, "采菱一群", community.pk)
    assert export.text.endswith("3幢楼道灯坏了")
    message = ChatMessage.objects.get()
    assert (message.export_id, message.line, message.is_demand) == (export_id, 1, True)
    # New rows go on numbering after the adopted ones.
    newer = ChatExport.objects.create(community=community, sha256="b" * 64, text="…")
    assert newer.pk > export_id
