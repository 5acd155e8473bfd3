"""The results of a run: issue 7's targets, the plain-text table and the JSON file.

Pure apart from write_json, so the table and the pass/fail rules are unit-tested.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import LatencySummary, ratio

# Issue 7's targets for a 2-core machine.
SATURATION_RATIO_MIN = 2.0
REALISTIC_P95_MAX_MS = 500.0
STARTUP_MAX_S = 20.0
TRAINING_MAX_S = 240.0
RASA_MEMORY_MAX_MB = 1200.0  # 1.2 GB, decimal


@dataclass
class ScenarioResult:
    """One system (ours or the baseline) under one load."""

    scenario: str  # "saturation" or "realistic"
    system: str  # "ours" or "baseline"
    residents: int
    pause_s: float
    turns_planned: int
    turns_ok: int
    seconds: float
    turns_per_second: float
    latency: LatencySummary | None
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    residents_completed: int = 0
    # None for the baseline, which stores nothing.
    answers_expected: int | None = None
    answers_stored: int | None = None
    answer_problems: list[str] = field(default_factory=list)
    answers_unexpected: int = 0
    # Share of the machine's CPU used by other processes during the run (the machine is shared).
    others_cpu_share: float | None = None
    # Cores each of the servers kept busy on average (1.0: one core all the time).
    cpu_cores: dict[str, float] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def all_stored(self) -> bool | None:
        if self.answers_expected is None:
            return None
        return not self.answer_problems and self.answers_stored == self.answers_expected


@dataclass
class Target:
    name: str
    measured: str
    passed: bool | None  # None: not measured in this run


@dataclass
class Report:
    started_at: str
    commit: str
    machine: dict[str, Any]
    options: dict[str, Any]
    database: str
    target_url: str | None = None
    training_seconds: float | None = None
    startup_seconds: dict[str, float] = field(default_factory=dict)  # "ours", "baseline"
    peak_memory_mb: dict[str, float | None] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def find(self, scenario: str, system: str) -> ScenarioResult | None:
        for result in self.scenarios:
            if result.scenario == scenario and result.system == system:
                return result
        return None

    def ratios(self, scenario: str) -> dict[str, float | None]:
        """Ours over the baseline's: throughput (higher is better) and latencies (lower)."""
        ours, base = self.find(scenario, "ours"), self.find(scenario, "baseline")
        if ours is None or base is None:
            return {}
        figures = {"turns_per_second": ratio(ours.turns_per_second, base.turns_per_second)}
        for name in ("p50_ms", "p95_ms", "p99_ms"):
            mine = getattr(ours.latency, name) if ours.latency else None
            theirs = getattr(base.latency, name) if base.latency else None
            figures[name] = ratio(mine, theirs)
        return figures


def _verdict(value: float | None, ok: bool) -> bool | None:
    return None if value is None else ok


def targets(report: Report) -> list[Target]:
    """Issue 7's targets, each passed, failed or not measured (None)."""
    found: list[Target] = []
    speedup = report.ratios("saturation").get("turns_per_second")
    found.append(
        Target(
            f"saturation throughput >= {SATURATION_RATIO_MIN:g}x baseline",
            f"{speedup:.2f}x" if speedup is not None else "n/a",
            _verdict(speedup, speedup is not None and speedup >= SATURATION_RATIO_MIN),
        )
    )
    realistic = report.find("realistic", "ours")
    p95 = realistic.latency.p95_ms if realistic and realistic.latency else None
    found.append(
        Target(
            f"realistic p95 <= {REALISTIC_P95_MAX_MS:g} ms",
            f"{p95:.0f} ms" if p95 is not None else "n/a",
            _verdict(p95, p95 is not None and p95 <= REALISTIC_P95_MAX_MS),
        )
    )
    errors = realistic.error_count if realistic else None
    found.append(
        Target(
            "realistic errors = 0",
            str(errors) if errors is not None else "n/a",
            _verdict(errors, errors == 0),
        )
    )
    stored = realistic.all_stored if realistic else None
    found.append(
        Target(
            "realistic: every answer stored",
            f"{realistic.answers_stored}/{realistic.answers_expected}"
            if realistic and stored is not None
            else "n/a",
            stored,
        )
    )
    startup = report.startup_seconds.get("ours")
    found.append(
        Target(
            f"start-up to first answer <= {STARTUP_MAX_S:g} s",
            f"{startup:.1f} s" if startup is not None else "n/a",
            _verdict(startup, startup is not None and startup <= STARTUP_MAX_S),
        )
    )
    training = report.training_seconds
    found.append(
        Target(
            f"full rasa train <= {TRAINING_MAX_S:g} s",
            f"{training:.0f} s" if training is not None else "n/a",
            _verdict(training, training is not None and training <= TRAINING_MAX_S),
        )
    )
    memory = report.peak_memory_mb.get("rasa_server")
    found.append(
        Target(
            f"Rasa server peak RSS <= {RASA_MEMORY_MAX_MB / 1000:g} GB",
            f"{memory:.0f} MB" if memory is not None else "n/a",
            _verdict(memory, memory is not None and memory <= RASA_MEMORY_MAX_MB),
        )
    )
    return found


def _ms(latency: LatencySummary | None, name: str) -> str:
    return f"{getattr(latency, name):.0f}" if latency else "-"


def _answers(result: ScenarioResult) -> str:
    if result.answers_expected is None:
        return "-"
    text = f"{result.answers_stored}/{result.answers_expected}"
    return text if result.all_stored else f"{text} (!)"


def _times(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "n/a"


def format_table(report: Report) -> str:
    """The short plain-text summary printed at the end of a run."""
    lines = [
        f"Benchmark {report.started_at}, commit {report.commit}, "
        f"{report.machine.get('cpus')} CPUs ({report.machine.get('cpu_model')}), "
        f"database {report.database}"
        + (f", target {report.target_url}" if report.target_url else ""),
        "",
    ]
    header = ("scenario", "system", "residents", "turns ok", "errors", "turns/s",
              "p50 ms", "p95 ms", "p99 ms", "answers stored", "others' CPU")  # fmt: skip
    rows = [header]
    for r in report.scenarios:
        rows.append(
            (
                r.scenario,
                r.system,
                str(r.residents),
                f"{r.turns_ok}/{r.turns_planned}",
                str(r.error_count),
                f"{r.turns_per_second:.1f}",
                _ms(r.latency, "p50_ms"),
                _ms(r.latency, "p95_ms"),
                _ms(r.latency, "p99_ms"),
                _answers(r),
                f"{r.others_cpu_share:.0%}" if r.others_cpu_share is not None else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    for scenario in ("saturation", "realistic"):
        found = report.ratios(scenario)
        if found:
            lines.append(
                f"\n{scenario}, ours / baseline: throughput {_times(found['turns_per_second'])}, "
                f"p50 {_times(found['p50_ms'])}, p95 {_times(found['p95_ms'])}, "
                f"p99 {_times(found['p99_ms'])}"
            )
    for r in report.scenarios:
        if r.errors:
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(r.errors.items()))
            lines.append(f"{r.scenario}/{r.system} errors: {kinds}")
            lines += [f"  e.g. {example}" for example in r.error_examples[:3]]
        lines += [f"{r.scenario}/{r.system} answers: {p}" for p in r.answer_problems[:5]]
        if r.cpu_cores:
            cores = ", ".join(f"{name} {n:.2f}" for name, n in r.cpu_cores.items())
            lines.append(f"{r.scenario}/{r.system} cores busy: {cores}")
    extras = []
    if report.startup_seconds:
        extras.append(
            "start-up to first answer: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in report.startup_seconds.items())
        )
    memory = {k: v for k, v in report.peak_memory_mb.items() if v is not None}
    if memory:
        extras.append(
            "peak memory (VmHWM): " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory.items())
        )
    if report.training_seconds is not None:
        extras.append(f"full rasa train: {report.training_seconds:.0f} s")
    if extras:
        lines += ["", *extras]
    for system, profile in report.profiles.items():
        hot = ", ".join(f"{name} {share:.0%}" for name, share in profile["hotspots"][:8])
        own = ", ".join(f"{name} {share:.0%}" for name, share in profile["packages"][:6])
        lines += [
            "",
            f"Where the {system} Rasa server's CPU went (py-spy, {profile['samples']} samples, "
            f"{profile['idle']:.0%} idle left out; {profile['file']}):",
            f"  passing through: {hot}",
            f"  running code of: {own}",
        ]
    lines += ["", "Targets (issue 7):"]
    for target in targets(report):
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[target.passed]
        lines.append(f"  {verdict}  {target.name:<44} {target.measured}")
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)


def to_json(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["ratios"] = {s: report.ratios(s) for s in ("saturation", "realistic")}
    data["targets"] = [asdict(t) for t in targets(report)]
    return data


def write_json(report: Report, directory: Path, stamp: str) -> Path:
    """Write the report as <stamp>.json and latest.json in `directory`; return the first."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_json(report), indent=2)
    path = directory / f"bench-{stamp}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path
