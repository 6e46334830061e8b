"""What every benchmark shares: the run's context (the programme, both servers, tokens) and
the figures each benchmark returns for RESULTS.md."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine

from bench.data import Programme


@dataclass
class Figure:
    """One measured line of RESULTS.md."""

    bench: str
    load: str
    ours: dict[str, Any]
    floor: dict[str, Any] | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.floor or not self.floor.get("throughput"):
            return None
        return float(self.ours["throughput"]) / float(self.floor["throughput"])


@dataclass
class Context:
    programme: Programme
    url: str
    database: str
    duration: float
    port: int
    floor_port: int
    tokens: dict[str, str] = field(default_factory=dict)  # email -> bearer secret
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    quick: bool = False  # the test suite's tiny run: fewer, shorter phases
    # Each server's CPU seconds so far, by port (Server.cpu_seconds), where it can be read.
    cpu: dict[int, Callable[[], float]] = field(default_factory=dict)

    def engine(self) -> Any:
        return create_engine(self.url)

    def auth(self, email: str) -> tuple[tuple[str, str], ...]:
        return (("Authorization", f"Bearer {self.tokens[email]}"),)

    @property
    def rate(self) -> float:
        return 20.0 if self.quick else 50.0
