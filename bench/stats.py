"""Latency percentiles and throughput, from the timings of the turns of one scenario.

Pure functions, so the arithmetic is unit-tested (tests/unit/test_bench.py) apart from
any server.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0 to 100), interpolating between the two nearest ranks.

    The same definition as numpy's default ("linear"), so figures can be checked with it.
    """
    if not values:
        raise ValueError("no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is not between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class LatencySummary:
    """Latency per turn, in milliseconds, of the turns that got an answer."""

    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def summarise_latencies(seconds: Sequence[float]) -> LatencySummary | None:
    """Percentiles of latencies given in seconds; None when no turn got an answer."""
    if not seconds:
        return None
    ms = [s * 1000 for s in seconds]
    return LatencySummary(
        count=len(ms),
        mean_ms=sum(ms) / len(ms),
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        max_ms=max(ms),
    )


def throughput(turns: int, seconds: float) -> float:
    """Turns per second over a wall-clock span (0 for an empty span)."""
    return turns / seconds if seconds > 0 else 0.0


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """ours / baseline, or None when either is missing or the baseline is 0."""
    if ours is None or not baseline:
        return None
    return ours / baseline
