"""`minsheng backup` while the server takes demands, `minsheng restore` into a fresh data directory and
database: the same rows and files; refusals for a non-empty target and a damaged archive."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import time
import uuid

from PIL import Image

from .live import LiveServer, command_env, fresh_database, minsheng, on_postgres, query


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def read_manifest(path) -> tuple[dict, list[str]]:
    with tarfile.open(path, "r:gz") as tar:
        names = tar.getnames()
        return json.loads(tar.extractfile("manifest.json").read()), names


def test_backup_while_writing_then_restore(tmp_path):
    archive = tmp_path / "backup.tar.gz"
    with fresh_database() as src_url:
        src = LiveServer(tmp_path / "src", src_url)
        src.data_dir.mkdir()
        src.prepare()
        with src:
            src.start()
            first = src.post("/api/v1/demands", {"text": "三勤新苑健身器材坏了", "reporter_name": "李四",
                                                 "reporter_phone": "13900001111"})
            assert first.status == 201
            code, token = first.json()["code"], first.json()["tracking_token"]
            body, headers = multipart("file", "p.jpg", photo())
            up = src.post(f"/api/v1/demands/{code}/attachments?token={token}", body, headers=headers)
            assert up.status == 201, up.body
            acked_before: list[str] = []
            for i in range(5):
                r = src.post("/api/v1/demands", {"text": f"采菱一期路灯不亮 {i}"})
                assert r.status == 201
                acked_before.append(r.json()["code"])

            stop, errors, during = threading.Event(), [], []

            def writer():
                i = 0
                while not stop.is_set() and i < 500:
                    r = src.post("/api/v1/demands", {"text": f"华家综合消费品市场公厕无人打扫 {i}"})
                    if r.status != 201:
                        errors.append((r.status, r.body[:200]))
                        return
                    during.append(r.json()["code"])
                    i += 1

            t = threading.Thread(target=writer, daemon=True)
            t.start()
            time.sleep(0.5)
            started = time.monotonic()
            done = minsheng(src.env, "backup", str(archive))
            took = time.monotonic() - started
            time.sleep(0.3)
            stop.set()
            t.join(timeout=60)
            assert not errors, errors
            assert during, "the writer made no demand while the backup ran"
            assert "backed up" in done.stdout

        manifest, names = read_manifest(archive)
        assert names[0] == "manifest.json"
        assert manifest["format_version"] == 1 and manifest["engine"] == ("postgresql" if on_postgres() else "sqlite")
        assert manifest["created_at"] and manifest["row_counts"]["demands_demand"] >= 6
        media = [m for m in manifest["members"] if m["name"].startswith("media/")]
        assert len(media) == 1 and "secret_key" in names
        assert all(len(m["sha256"]) == 64 for m in manifest["members"])

        with fresh_database() as dst_url:
            dst_dir = tmp_path / "dst"
            env = command_env(dst_dir, dst_url)
            out = minsheng(env, "restore", str(archive))
            assert "row counts match" in out.stdout
            for table, n in manifest["row_counts"].items():
                assert query(dst_dir, dst_url, f'SELECT COUNT(*) FROM "{table}"')[0][0] == n, table
            restored_codes = {c for (c,) in query(dst_dir, dst_url, "SELECT code FROM demands_demand")}
            assert {code, *acked_before} <= restored_codes
            (m,) = media
            restored = dst_dir / m["name"]
            assert hashlib.sha256(restored.read_bytes()).hexdigest() == m["sha256"]
            assert (dst_dir / "secret_key").read_text() == (src.data_dir / "secret_key").read_text()

            # The restored install serves: health, tracking with the old token, the photo.
            dst = LiveServer(dst_dir, dst_url)
            with dst:
                dst.start()
                assert dst.get("/healthz").status == 200
                assert dst.get(f"/api/v1/demands/{code}?token={token}").status == 200
                assert dst.get(up.json()["url"] + f"?token={token}").status == 200
                assert dst.post("/api/v1/demands", {"text": "恢复后新登记的诉求"}).status == 201

            # Restoring again into the now non-empty target is refused, clearly, changing nothing.
            again = minsheng(env, "restore", str(archive), check=False)
            assert again.returncode != 0 and "empty" in again.stderr, again.stderr
    print(f"\n[backup] {manifest['engine']}: backup took {took:.1f}s with a writer running; "
          f"{sum(manifest['row_counts'].values())} rows")


def test_damaged_or_foreign_archives_are_refused(tmp_path):
    """No server needed: a tampered member, a missing manifest, an unknown member."""
    with fresh_database() as url:
        data = tmp_path / "a"
        env = command_env(data, url)
        minsheng(env, "migrate", "--noinput")
        archive = tmp_path / "b.tar.gz"
        minsheng(env, "backup", str(archive))
        manifest, _ = read_manifest(archive)

        def rewrite(name, change):
            out = tmp_path / name
            with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
                for member in src:
                    content = src.extractfile(member).read()
                    content = change(member.name, content)
                    if content is None:
                        continue
                    info = tarfile.TarInfo(member.name)
                    info.size = len(content)
                    dst.addfile(info, io.BytesIO(content))
            return out

        tampered = rewrite("t.tar.gz", lambda n, c: c + b"x" if n == "secret_key" else c)
        no_manifest = rewrite("n.tar.gz", lambda n, c: None if n == "manifest.json" else c)
        with fresh_database() as url2:
            for bad, words in ((tampered, "checksum"), (no_manifest, "manifest")):
                target = tmp_path / ("t-" + bad.stem)
                r = minsheng(command_env(target, url2), "restore", str(bad), check=False)
                assert r.returncode != 0 and words in r.stderr, r.stderr
                # Nothing was written: the database is still empty.
                tables = query(target, url2, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") if url2 \
                    else ([(0,)] if not (target / "minsheng.sqlite3").exists() else
                          query(target, None, "SELECT COUNT(*) FROM sqlite_master WHERE type='table'"))
                assert tables[0][0] == 0
        assert manifest["row_counts"]["django_migrations"] > 0
