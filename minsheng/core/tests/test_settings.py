"""Settings read from the environment (docs/deploy.md)."""


def test_pgbouncer_transaction_mode_turns_off_server_side_cursors(monkeypatch):
    """PgBouncer's transaction pooling needs DISABLE_SERVER_SIDE_CURSORS."""
    import importlib

    import minsheng.settings as s

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:6432/minsheng")
    monkeypatch.setenv("MINSHENG_PGBOUNCER_TRANSACTION", "1")
    try:
        assert importlib.reload(s).DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
        monkeypatch.setenv("MINSHENG_PGBOUNCER_TRANSACTION", "0")
        assert importlib.reload(s).DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False
    finally:
        monkeypatch.undo()
        importlib.reload(s)


def test_sqlite_write_queue_is_on_unless_turned_off(monkeypatch):
    import importlib

    import minsheng.settings as s

    monkeypatch.delenv("DATABASE_URL", raising=False)
    try:
        monkeypatch.delenv("MINSHENG_SQLITE_WRITE_QUEUE", raising=False)
        assert importlib.reload(s).DATABASES["default"]["ENGINE"] == "minsheng.core.sqlite"
        monkeypatch.setenv("MINSHENG_SQLITE_WRITE_QUEUE", "0")
        assert importlib.reload(s).DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    finally:
        monkeypatch.undo()
        importlib.reload(s)
