"""The load generator: a separate process on 127.0.0.1 that stops by itself.

Two modes:

- open loop (fixed arrival rate, wrk2-style): request i is due at t0 + i / rate whatever
  happened before, and its latency is measured from that due time, so a slow response
  that delays later requests shows in their latencies too (no coordinated omission);
- closed loop (saturation): `concurrency` connections each send the next request as soon
  as the previous answer arrives; the throughput is the figure.

Both are bounded by a request count and a wall-clock deadline, after which the process
returns whatever it has (unfinished requests count as errors).
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

HOST = "127.0.0.1"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_GRACE = 15.0


@dataclass(frozen=True)
class Job:
    """One request (for kind "login": the form fields, the page is fetched first)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    form: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Spec:
    port: int
    jobs: tuple[Job, ...]
    mode: str = "closed"  # "open" or "closed"
    rate: float = 0.0  # requests per second (open loop)
    concurrency: int = 8
    duration: float = 10.0
    expect: tuple[int, ...] = (200,)
    kind: str = "http"  # or "login"
    cycle: bool = True  # reuse jobs (reads); False: each job once (check-ins)


@dataclass
class Outcome:
    """Latencies (ms) of the answers that had an expected status, and everything else."""

    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    ran_out: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (p in 0..100); nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class _Client:
    """One keep-alive connection; reconnects after any error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=_GRACE)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, data, response


def _login(client: _Client, job: Job) -> tuple[int, bytes, float]:
    """Fetch the sign-in page (CSRF token and session cookie), then post the form; returns
    the status and the time the page took, which is not part of the measured latency."""
    began = time.perf_counter()
    status, page, response = client.send("GET", "/login", {}, None)
    if status != 200:
        return status, page, time.perf_counter() - began
    match = _CSRF.search(page.decode())
    cookies = [
        value.split(";", 1)[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie"
    ]
    form = dict(job.form)
    form["csrf_token"] = match.group(1) if match else ""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(cookies),
    }
    page_time = time.perf_counter() - began
    status, body, _ = client.send("POST", "/login", headers, urlencode(form).encode())
    return status, body, page_time


def _run(spec: Spec) -> Outcome:
    outcome = Outcome()
    lock = threading.Lock()
    counter = iter(range(10**9))
    total = len(spec.jobs)
    start = time.perf_counter() + 0.1
    stop_sending = start + spec.duration
    hard_deadline = stop_sending + _GRACE
    if spec.mode == "open":
        planned = int(spec.rate * spec.duration)
        if not spec.cycle:
            planned = min(planned, total)
    else:
        planned = 10**9 if spec.cycle else total

    def worker() -> None:
        client = _Client(spec.port)
        while True:
            with lock:
                i = next(counter)
            if i >= planned:
                return
            if spec.mode == "open":
                due = start + i / spec.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                if time.perf_counter() > hard_deadline:
                    with lock:
                        outcome.errors += 1
                    continue
            else:
                if time.perf_counter() >= stop_sending:
                    return
                due = time.perf_counter()
            job = spec.jobs[i % total]
            try:
                if spec.kind == "login":
                    status, body, page_time = _login(client, job)
                    due += page_time
                else:
                    status, body, _ = client.send(job.method, job.path, dict(job.headers), job.body)
            except (OSError, http.client.HTTPException) as exc:
                status, body = 0, repr(exc).encode()
            ended = time.perf_counter()
            with lock:
                outcome.sent += 1
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                if status in spec.expect:
                    outcome.latencies.append((ended - due) * 1000)
                else:
                    outcome.errors += 1
                    if len(outcome.samples) < 5:
                        outcome.samples.append(f"{status} {body[:300]!r}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, hard_deadline - time.perf_counter()) + 1)
    finished = time.perf_counter()
    if spec.mode == "closed":
        outcome.elapsed = min(finished, hard_deadline) - start
    else:
        outcome.elapsed = max(spec.duration, min(finished, hard_deadline) - start)
    unfinished = sum(t.is_alive() for t in threads)
    outcome.errors += unfinished
    if not spec.cycle and spec.mode == "closed" and outcome.sent >= total:
        outcome.ran_out = True
    return outcome


def run(spec: Spec) -> Outcome:
    """Run the load in a fresh process (so the client's work is not this process's)."""
    # fork: the harness holds no threads or open connections when it starts a load, and a
    # forked client is ready in milliseconds rather than re-importing everything.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_run, spec).result(timeout=spec.duration + _GRACE + 30)


def summary(outcome: Outcome) -> dict[str, Any]:
    return {
        "requests": outcome.sent,
        "ok": outcome.ok,
        "errors": outcome.errors,
        "p50": outcome.percentile(50),
        "p95": outcome.percentile(95),
        "p99": outcome.percentile(99),
        "max": max(outcome.latencies) if outcome.latencies else float("nan"),
        "throughput": outcome.throughput,
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
    }
