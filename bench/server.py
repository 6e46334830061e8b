"""Start the app (or the floor) the way production starts it: gunicorn, gunicorn.conf.py,
several workers, SUPERMARKET_ENV=production; on a free port of 127.0.0.1 only."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.data import MATCH_KEY, ROOT, WORK

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _gunicorn() -> str:
    candidate = Path(sys.executable).with_name("gunicorn")
    return str(candidate) if candidate.exists() else "gunicorn"


@dataclass
class Server:
    """A gunicorn master and its workers, stopped (with its whole group) by stop()."""

    name: str
    url: str
    workers: int | None = None
    threads: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    log_path: Path | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "FLASK_"))}
        env.update(
            {
                "SUPERMARKET_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "MEMBER_MATCH_KEY": MATCH_KEY,
                "DATABASE_URL": self.url,
                "BIND": f"{HOST}:{self.port}",
                # Plain http on loopback: a Secure cookie would never come back.
                "SESSION_COOKIE_SECURE": "0",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if self.workers:
            env["WEB_CONCURRENCY"] = str(self.workers)
        if self.threads:
            env["GUNICORN_THREADS"] = str(self.threads)
        env.update(self.extra_env)
        return env

    def start(self, app: str = "wsgi:app", timeout: float = 60.0) -> Server:
        self.port = free_port()
        WORK.mkdir(parents=True, exist_ok=True)
        self.log_path = WORK / f"{self.name}-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [_gunicorn(), "-c", str(ROOT / "gunicorn.conf.py"), app],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log_path}")
            if self._healthy():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} server did not answer in {timeout:.0f} s")

    def _healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def worker_count(self) -> int:
        """How many worker processes the master runs (read from /proc)."""
        if self.process is None:
            return 0
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return len(children.read_text().split())
        except OSError:
            return 0

    def cpu_seconds(self) -> float:
        """CPU time (user and system) used so far by the master and its live workers: taken
        before and after a phase, the difference over the requests served is the server's CPU
        a request, which other work on the machine slows but does not inflate as it does
        latency and throughput."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        except OSError:
            pass
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGINT: gunicorn's quick shutdown; the load has stopped, nothing is in flight.
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()
