"""Readings from Linux's /proc: peak memory, when a process started, CPU time used.

/proc needs no extra dependency, and VmHWM (the peak resident set size the kernel keeps for
each process) catches a peak between two readings, which sampling RSS would miss.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (which may hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (a server may fork workers)."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_memory_mb(pid: int) -> float | None:
    """The peak resident memory (VmHWM) of `pid`, or of its largest descendant, in MB."""
    peaks = [kb for p in (pid, *children(pid)) if (kb := _status_kb(p, "VmHWM")) is not None]
    return max(peaks) * 1024 / 1e6 if peaks else None


def started_at(pid: int) -> float | None:
    """When `pid` started, as a Unix time, to the kernel's clock tick (10 ms).

    From the process's age by the uptime clock: /proc/stat's boot time is rounded to the
    second, too coarse for a start-up that takes seconds.
    """
    fields = _stat_fields(pid)
    if not fields:
        return None
    now, uptime = time.time(), float((PROC / "uptime").read_text().split()[0])
    return now - (uptime - int(fields[19]) / TICKS)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by `pid` and its descendants alive now."""
    total = 0.0
    for p in (pid, *children(pid)):
        fields = _stat_fields(p)
        if fields:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def busy_cpu_seconds() -> float:
    """CPU time every process on the machine has used since boot (not idle, not iowait)."""
    fields = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


def load_average() -> float:
    return os.getloadavg()[0]


def _meminfo_kb(key: str) -> int | None:
    for line in (PROC / "meminfo").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return None


@dataclass(frozen=True)
class MachineInfo:
    cpus: int
    cpu_model: str
    memory_gb: float
    python: str
    load_average_at_start: float


def describe() -> MachineInfo:
    model = "unknown"
    for line in (PROC / "cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = _meminfo_kb("MemTotal") or 0
    return MachineInfo(
        cpus=os.cpu_count() or 0,
        cpu_model=model,
        memory_gb=round(memory_kb / 1024 / 1024, 1),
        python=platform.python_version(),
        load_average_at_start=round(load_average(), 2),
    )


class CpuWatch:
    """How much CPU processes other than ours used while a scenario ran.

    The machine is shared: if others were busy, our figures are not final. "Ours" are the
    benchmark itself and the servers it measures (with their descendants).
    """

    def __init__(self, our_pids: list[int]) -> None:
        self.pids = [os.getpid(), *our_pids]
        self._busy = busy_cpu_seconds()
        self._ours = sum(cpu_seconds(p) for p in self.pids)

    def others_share(self, seconds: float) -> float:
        """CPU used by other processes, as a share of the whole machine over `seconds`."""
        busy = busy_cpu_seconds() - self._busy
        ours = sum(cpu_seconds(p) for p in self.pids) - self._ours
        capacity = seconds * (os.cpu_count() or 1)
        return max(0.0, busy - ours) / capacity if capacity > 0 else 0.0

    def ours_share(self, seconds: float) -> float:
        ours = sum(cpu_seconds(p) for p in self.pids) - self._ours
        capacity = seconds * (os.cpu_count() or 1)
        return ours / capacity if capacity > 0 else 0.0
