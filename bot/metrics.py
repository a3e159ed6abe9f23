"""Counters and a latency summary, rendered in the Prometheus text format for /metrics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.latency_sum = 0.0
        self.latency_count = 0
        self.gauges: dict[str, Callable[[], float]] = {}

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def observe_latency(self, seconds: float) -> None:
        self.latency_sum += seconds
        self.latency_count += 1

    def render(self) -> str:
        lines = []
        for name in sorted(self.counters):
            lines += [f"# TYPE gridbot_{name}_total counter", f"gridbot_{name}_total {self.counters[name]}"]
        for name, read in sorted(self.gauges.items()):
            lines += [f"# TYPE gridbot_{name} gauge", f"gridbot_{name} {read()}"]
        lines += [
            "# TYPE gridbot_handle_seconds summary",
            f"gridbot_handle_seconds_sum {self.latency_sum:.6f}",
            f"gridbot_handle_seconds_count {self.latency_count}",
        ]
        return "\n".join(lines) + "\n"
