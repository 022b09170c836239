"""A real `minsheng serve` (gunicorn) on loopback for the durability, concurrency and backup tests.

Each server gets its own data directory and, on PostgreSQL (DATABASE_URL set), its own throwaway
database on the same cluster, so it never touches pytest-django's test database.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[3]


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fresh_database():
    """A new empty PostgreSQL database on DATABASE_URL's cluster (URL yielded), or None on SQLite."""
    if not on_postgres():
        yield None
        return
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = "ms_live_" + secrets.token_hex(4)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlparse(base)
    try:
        yield urlunparse(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def command_env(data_dir: Path, database_url: str | None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update({"MINSHENG_DATA_DIR": str(data_dir), "MINSHENG_LOG_LEVEL": "ERROR", "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def minsheng(env: dict, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "minsheng", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if check and done.returncode:
        raise AssertionError(f"minsheng {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


class Response:
    def __init__(self, status: int, body: bytes, headers: dict):
        self.status, self.body, self.headers = status, body, headers

    def json(self):
        return json.loads(self.body)


class LiveServer:
    def __init__(self, data_dir: Path, database_url: str | None = None, *, workers: int = 2, threads: int = 4,
                 background_worker: bool = False, **env: str):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.env = command_env(self.data_dir, database_url, MINSHENG_ANON_INTAKE_LIMIT="100000", **env)
        self.workers, self.threads = workers, threads
        self.background_worker = background_worker
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir / "serve.log"

    # -- life ----------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Migrate and load the demo town (accounts included)."""
        minsheng(self.env, "demo", "--territory-only")

    def start(self, timeout: float = 90) -> None:
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "minsheng", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--threads", str(self.threads),
             *([] if self.background_worker else ["--no-worker"])],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if self.get("/healthz", timeout=2).status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise AssertionError(f"server did not answer /healthz in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL the whole process group (gunicorn master and workers), as a crash would."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        # Workers may outlive the master for a moment; wait until the group is gone.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9()
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- HTTP ----------------------------------------------------------------------------------

    def request(self, method: str, path: str, body=None, *, headers: dict | None = None,
                timeout: float = 60) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            hdrs = dict(headers or {})
            data = None
            if body is not None:
                if isinstance(body, bytes):
                    data = body
                else:
                    data = json.dumps(body, ensure_ascii=False).encode()
                    hdrs.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, r.read(), {k.lower(): v for k, v in r.getheaders()})
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw) -> Response:
        return self.request("POST", path, body, **kw)

    def token(self, username: str, password: str = "minsheng-demo") -> dict:
        r = self.post("/api/v1/auth/token", {"username": username, "password": password})
        assert r.status == 200, r.body
        return {"Authorization": f"Bearer {r.json()['token']}"}


# -- reading a data directory's database directly (the server may be dead) ------------------------


def query(data_dir: Path, database_url: str | None, sql: str, params=()) -> list[tuple]:
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()
    import sqlite3

    conn = sqlite3.connect(Path(data_dir) / "minsheng.sqlite3", timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
