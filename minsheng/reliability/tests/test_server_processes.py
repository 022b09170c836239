"""The processes of `minsheng serve`: the background worker does not outlive a killed server, and no
two servers share a control socket."""

import os
import signal
import time
from pathlib import Path

from .live import LiveServer, fresh_database


def children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append(int(p.name))
    return out


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_background_worker_exits_when_its_server_is_killed(tmp_path):
    with fresh_database() as url, LiveServer(tmp_path, url, workers=1, background_worker=True) as server:
        server.prepare()
        server.start()
        master = server.proc.pid
        deadline = time.monotonic() + 30
        worker = None
        while worker is None and time.monotonic() < deadline:
            worker = next((c for c in children(master) if " worker" in cmdline(c)), None)
            time.sleep(0.2)
        assert worker, "no background worker started"
        os.kill(master, signal.SIGKILL)  # the master alone, as an operator or the OOM killer would
        server.proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the background worker outlived its server"
        server.proc = None
        server.kill9 = lambda: None


def test_no_shared_control_socket(tmp_path):
    """gunicorn's default control socket is one path in the home folder for every server on the
    machine; each minsheng server runs without one."""
    shared = Path.home() / ".gunicorn" / "gunicorn.ctl"
    before = shared.stat().st_mtime_ns if shared.exists() else None
    with fresh_database() as url, LiveServer(tmp_path, url, workers=1) as server:
        server.prepare()
        server.start()
        assert server.get("/healthz").status == 200
        after = shared.stat().st_mtime_ns if shared.exists() else None
        assert after == before, "the server created or replaced the shared control socket"
