"""`minsheng backup FILE` / `minsheng restore FILE` (interfaces.md): one archive with all the data.

The archive is a tar.gz whose first member is `manifest.json`:

    {"format": "minsheng-backup", "format_version": 1, "engine": "sqlite" | "postgresql",
     "created_at": "…", "minsheng_version": "…", "migrations": {app: last migration},
     "row_counts": {table: rows}, "members": [{"name", "size", "sha256"}, …]}

followed by the database (`database/minsheng.sqlite3`, a copy made with SQLite's online backup API, or
`database/minsheng.dump`, `pg_dump --format=custom` of DATABASE_URL), the uploaded files under
`media/` and the secret key file `secret_key` (when the key lives in the data directory).

Consistency while the app runs: SQLite's backup API copies the database in one step under a read
snapshot (WAL lets writers go on meanwhile); PostgreSQL is dumped from a snapshot exported by a
REPEATABLE READ transaction, and the row counts of the manifest are taken in that same snapshot.
Uploaded files are copied after the database snapshot: a file is written before the row that names
it commits and is never deleted, so every file the copied database names is in the archive.

Restore goes only into an empty database and an empty media folder (it refuses otherwise, naming
what it found), checks every member against the manifest before writing anything, and checks the
row counts afterwards.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings

FORMAT = "minsheng-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/minsheng.sqlite3"
PG_MEMBER = "database/minsheng.dump"
SECRET_MEMBER = "secret_key"


class BackupError(Exception):
    """A refusal or failure with a message for the person running the command."""


# ---------------------------------------------------------------------------------------------
# Where things are


def engine() -> str:
    vendor = settings.DATABASES["default"]["ENGINE"]
    if "sqlite" in vendor:
        return "sqlite"
    if "postgres" in vendor:
        return "postgresql"
    raise BackupError(f"不支持的数据库引擎 unsupported database engine: {vendor}")


def sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def secret_key_path() -> Path:
    return Path(settings.DATA_DIR) / "secret_key"


def _pg_env() -> dict:
    """libpq environment for pg_dump/pg_restore/psycopg (keeps the password out of argv)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    if sslmode := (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


def _pg_connect():
    import psycopg

    env = _pg_env()
    return psycopg.connect(
        host=env.get("PGHOST"), port=env.get("PGPORT"), user=env.get("PGUSER"), password=env.get("PGPASSWORD"),
        dbname=env.get("PGDATABASE"), sslmode=env.get("PGSSLMODE") or "prefer",
    )


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore: MINSHENG_PG_BIN, else the newest Debian server's, else PATH."""
    if custom := os.environ.get("MINSHENG_PG_BIN"):
        return str(Path(custom) / name)
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}（请安装 PostgreSQL 客户端） {name} not found: install the PostgreSQL client")
    return found


# ---------------------------------------------------------------------------------------------
# Helpers


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(conn)}


def _pg_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cursor.fetchall()]


def _pg_counts(cursor) -> dict[str, int]:
    from psycopg import sql

    counts = {}
    for t in _pg_tables(cursor):
        cursor.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(t)))
        counts[t] = cursor.fetchone()[0]
    return counts


def _migrations_from_counts_db(rows) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and (
        name in (SQLITE_MEMBER, PG_MEMBER, SECRET_MEMBER) or (p.parts[0] == "media" and len(p.parts) > 1)
    )


# ---------------------------------------------------------------------------------------------
# Backup


@dataclass
class Staged:
    name: str
    path: Path


def _snapshot_sqlite(work: Path) -> tuple[list[Staged], dict[str, int], dict[str, str]]:
    source = sqlite_path()
    if not source.exists():
        raise BackupError(f"数据库文件不存在 database file not found: {source}")
    target = work / "db.sqlite3"
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout = 60000")
        # pages=-1: the whole database in one step, under one read snapshot (consistent).
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode = DELETE")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("数据库副本校验失败 the copy failed SQLite's quick_check")
        counts = _sqlite_counts(dst)
        migrations = {}
        if "django_migrations" in counts:
            migrations = _migrations_from_counts_db(dst.execute("SELECT app, name FROM django_migrations"))
    finally:
        dst.close()
        src.close()
    return [Staged(SQLITE_MEMBER, target)], counts, migrations


def _snapshot_postgres(work: Path) -> tuple[list[Staged], dict[str, int], dict[str, str]]:
    from psycopg import IsolationLevel

    target = work / "db.dump"
    conn = _pg_connect()
    try:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _pg_counts(cursor)
            migrations = {}
            if "django_migrations" in counts:
                cursor.execute("SELECT app, name FROM django_migrations")
                migrations = _migrations_from_counts_db(cursor.fetchall())
        # pg_dump reads the very snapshot the counts were taken in (the transaction stays open).
        done = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             "--file", str(target)],
            env=_pg_env(), capture_output=True, text=True,
        )
        if done.returncode:
            raise BackupError(f"pg_dump 失败 failed: {done.stderr.strip()}")
        conn.rollback()
    finally:
        conn.close()
    return [Staged(PG_MEMBER, target)], counts, migrations


def backup(path: str | os.PathLike) -> dict:
    """Write the archive to `path` (atomically: a temporary file renamed at the end). Returns the manifest."""
    out = Path(path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="minsheng-backup-", dir=out.parent) as tmp:
        work = Path(tmp)
        kind = engine()
        staged, counts, migrations = (_snapshot_sqlite if kind == "sqlite" else _snapshot_postgres)(work)
        # Files after the database snapshot (see the module docstring).
        root = media_root()
        for f in _media_files(root):
            staged.append(Staged("media/" + f.relative_to(root).as_posix(), f))
        key = secret_key_path()
        if key.is_file():
            staged.append(Staged(SECRET_MEMBER, key))
        members = []
        for s in staged:
            # Hash a private copy of what goes in, so a file changing under us cannot break the manifest.
            if not s.path.is_relative_to(work):
                copy = work / "files" / s.name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(s.path, copy)
                s.path = copy
            members.append({"name": s.name, "size": s.path.stat().st_size, "sha256": _sha256(s.path)})
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": kind,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "minsheng_version": _version(),
            "migrations": migrations,
            "row_counts": counts,
            "members": members,
        }
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for s in staged:
                info = tar.gettarinfo(str(s.path), arcname=s.name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with s.path.open("rb") as f:
                    tar.addfile(info, f)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        partial.chmod(0o600)
        os.replace(partial, out)
    return manifest


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("minsheng")
    except Exception:
        return "unknown"


# ---------------------------------------------------------------------------------------------
# Restore


def read_manifest(tar: tarfile.TarFile) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError("不是 minsheng 备份：缺少 manifest.json  not a minsheng backup: no manifest.json first")
    manifest = json.loads(tar.extractfile(first).read())
    if manifest.get("format") != FORMAT:
        raise BackupError("不是 minsheng 备份 not a minsheng backup (format)")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 比本程序新，请升级 minsheng "
                          f"backup format {manifest.get('format_version')} is newer than this minsheng")
    return manifest


def check_empty() -> list[str]:
    """What is already in the target (empty list: restore may go ahead)."""
    found = []
    if engine() == "sqlite":
        db = sqlite_path()
        if db.exists() and db.stat().st_size > 0:
            conn = sqlite3.connect(db)
            try:
                tables = _sqlite_tables(conn)
            finally:
                conn.close()
            if tables:
                found.append(f"数据库 {db} 已有 {len(tables)} 张表 database has {len(tables)} tables")
    else:
        conn = _pg_connect()
        try:
            with conn.cursor() as cursor:
                tables = _pg_tables(cursor)
        finally:
            conn.close()
        if tables:
            found.append(f"PostgreSQL 数据库已有 {len(tables)} 张表 database has {len(tables)} tables")
    files = _media_files(media_root())
    if files:
        found.append(f"上传文件目录 {media_root()} 已有 {len(files)} 个文件 media folder has {len(files)} files")
    return found


def restore(path: str | os.PathLike) -> dict:
    """Restore the archive at `path` into the (empty) configured database and data directory."""
    src = Path(path)
    if not src.is_file():
        raise BackupError(f"找不到备份文件 backup file not found: {src}")
    kind = engine()
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(src, "r:gz") as tar, tempfile.TemporaryDirectory(prefix="restore-", dir=data_dir) as tmp:
        manifest = read_manifest(tar)
        if manifest.get("engine") != kind:
            raise BackupError(f"备份来自 {manifest.get('engine')}，当前配置为 {kind}；请配置同种数据库 "
                              f"backup is of a {manifest.get('engine')} database, this install uses {kind}")
        found = check_empty()
        if found:
            raise BackupError("只能恢复到空的数据目录和空数据库 restore needs an empty data directory and database: "
                              + "；".join(found))
        expected = {m["name"]: m for m in manifest.get("members", [])}
        work = Path(tmp)
        seen = set()
        for member in tar:
            if member.offset == 0 and member.name == MANIFEST:
                continue  # read above
            if member.name not in expected or not _safe_member(member.name) or not member.isfile():
                raise BackupError(f"备份中有清单之外的成员 unexpected member in the archive: {member.name!r}")
            if member.name in seen:
                raise BackupError(f"备份成员重复 duplicate member: {member.name}")
            seen.add(member.name)
            target = work / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            with tar.extractfile(member) as f, target.open("wb") as out:
                for block in iter(lambda f=f: f.read(1024 * 1024), b""):
                    h.update(block)
                    out.write(block)
            want = expected[member.name]
            if h.hexdigest() != want["sha256"] or target.stat().st_size != want["size"]:
                raise BackupError(f"校验失败（sha256 不符） checksum mismatch: {member.name}")
        missing = set(expected) - seen
        if missing:
            raise BackupError(f"备份缺少成员 archive is missing: {', '.join(sorted(missing))}")

        if kind == "sqlite":
            _restore_sqlite(work / SQLITE_MEMBER)
            conn = sqlite3.connect(sqlite_path())
            try:
                counts = _sqlite_counts(conn)
            finally:
                conn.close()
        else:
            _restore_postgres(work / PG_MEMBER)
            conn = _pg_connect()
            try:
                with conn.cursor() as cursor:
                    counts = _pg_counts(cursor)
            finally:
                conn.close()

        root = media_root()
        for name in sorted(seen):
            if name.startswith("media/"):
                dest = root / PurePosixPath(name).relative_to("media")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(work / name), dest)
        if SECRET_MEMBER in seen:
            key = secret_key_path()
            tmp_key = key.with_suffix(".restore")
            shutil.copyfile(work / SECRET_MEMBER, tmp_key)
            tmp_key.chmod(0o600)
            os.replace(tmp_key, key)

    if counts != manifest["row_counts"]:
        diff = {t: (manifest["row_counts"].get(t), counts.get(t)) for t in set(counts) | set(manifest["row_counts"])
                if counts.get(t) != manifest["row_counts"].get(t)}
        raise BackupError(f"恢复后行数与清单不符 row counts differ after restore: {diff}")
    return manifest


def _restore_sqlite(staged: Path) -> None:
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(staged)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=-1)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("恢复的数据库校验失败 restored database failed integrity_check")
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def _restore_postgres(staged: Path) -> None:
    done = subprocess.run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
         "--dbname", _pg_env().get("PGDATABASE", ""), str(staged)],
        env=_pg_env(), capture_output=True, text=True,
    )
    if done.returncode:
        raise BackupError(f"pg_restore 失败 failed: {done.stderr.strip()}")
