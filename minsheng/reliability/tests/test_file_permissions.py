"""Residents' personal data on disk is readable by the server's own user only: the database, the
secret key, uploaded photos and their folders, a backup, and all of them again after a restore."""

import stat
from pathlib import Path

from .live import command_env, fresh_database, minsheng


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def private(root: Path) -> list[str]:
    """Every path under root that others could read (empty: all private)."""
    bad = []
    for p in [root, *root.rglob("*")]:
        if p.is_symlink() or p.parent.name == "static" or "static" in p.relative_to(root).parts:
            continue
        if mode(p) & 0o077:
            bad.append(f"{p.relative_to(root)} {oct(mode(p))}")
    return bad


def test_data_directory_database_media_backup_and_restore_are_private(tmp_path):
    data = tmp_path / "data"
    with fresh_database() as url:
        env = command_env(data, url)
        minsheng(env, "demo", "--territory-only")
        # a photo, stored the way every upload is
        minsheng(env, "shell", "-c", (
            "from django.core.files.storage import default_storage;"
            "from django.core.files.base import ContentFile;"
            "default_storage.save('demands/2026/12/x.jpg', ContentFile(b'0'))"))
        assert (data / "media" / "demands" / "2026" / "12" / "x.jpg").exists()
        assert private(data) == []
        assert mode(data) == 0o700
        if url is None:
            assert mode(data / "minsheng.sqlite3") == 0o600
        archive = tmp_path / "backup.tar.gz"
        minsheng(env, "backup", str(archive))
        assert mode(archive) == 0o600
    with fresh_database() as url2:
        restored = tmp_path / "restored"
        env2 = command_env(restored, url2)
        minsheng(env2, "restore", str(archive))
        assert (restored / "media" / "demands" / "2026" / "12" / "x.jpg").exists()
        assert private(restored) == []


def test_a_data_directory_left_open_is_closed_again(tmp_path):
    data = tmp_path / "old"
    with fresh_database() as url:
        env = command_env(data, url)
        minsheng(env, "migrate", "--noinput")
        data.chmod(0o755)
        (data / "secret_key").chmod(0o644)
        minsheng(env, "check")
        assert mode(data) == 0o700 and mode(data / "secret_key") == 0o600


def test_a_shared_folder_given_as_data_directory_is_left_open(tmp_path):
    """MINSHENG_DATA_DIR=/tmp (by mistake) must not close /tmp to every other user: a sticky folder is
    shared by design and is left as it is."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with fresh_database() as url:
        minsheng(command_env(shared, url), "check")
    assert mode(shared) == 0o1777
