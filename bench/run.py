"""One benchmark run: our stack, then the stock baseline, under each chosen load.

The order keeps measurements apart: the timed training first (it uses both cores), then our
servers alone, then the baseline's alone. Every server this run starts is stopped at the
end, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from secrets import token_hex
from typing import IO, Any

from bench import baseline, machine, profiling, startup
from bench.answers import check_answers
from bench.conversation import Turn, script_for
from bench.load import Resident, run_load
from bench.report import Report, ScenarioResult, format_table, write_json
from bench.stats import summarise_latencies, throughput
from bench.training_time import time_full_training
from bot.db.engine import safe_url
from bot.settings import PROJECT_ROOT
from bot.stack import BIN, SCRIPTED_CONVERSATIONS, Stack, free_port, start_stack
from bot.training import ensure_model

REST_PATH = "/webhooks/rest/webhook"
ERROR_EXAMPLES = 10


@dataclass
class Options:
    """What to run (the command line's flags; see bench.cli)."""

    saturation: bool = True
    realistic: bool = True
    baseline: bool = True
    baseline_realistic: bool = False
    saturation_residents: int = 20
    realistic_residents: int = 200
    pause: float = 5.0
    timeout: float = 60.0
    max_seconds: float = 360.0
    training_time: bool = True
    profile: bool = False
    database_url: str | None = None
    target_url: str | None = None
    output_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "bench")
    seed: int = 7


@dataclass
class Load:
    """One scenario's shape: how many residents, how long they pause between messages."""

    name: str
    residents: int
    pause: float


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} (uncommitted changes)" if git("status", "--porcelain") else commit


def _shown(path: Path) -> str:
    """The path relative to the project when it is inside it (shorter to read)."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _fresh_sqlite(directory: Path) -> str:
    path = directory / "consult.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def migrate(database_url: str) -> None:
    """`consult db upgrade`, as the end-to-end tests do (creating a missing PostgreSQL
    database first, as `make run-cluster` does)."""
    if database_url.startswith("postgres"):
        from bot.cluster import prepare_database

        prepare_database(database_url)
        return
    subprocess.run(
        [str(BIN / "consult"), "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
    )


def summarise_run(
    load: Load, system: str, residents: list[Resident], seconds: float
) -> ScenarioResult:
    """The figures of one scenario from what happened to each resident's turns."""
    records = [record for r in residents for record in r.records]
    ok = [record for record in records if record.error is None]
    errors: dict[str, int] = {}
    for record in records:
        if record.error:
            errors[record.error] = errors.get(record.error, 0) + 1
    failed = [record for record in records if record.error]
    # The first error of each kind, then the others in order, so no kind goes unseen.
    firsts = [next(r for r in failed if r.error == kind) for kind in errors]
    examples = [
        f"resident {r.resident} turn {r.turn + 1} ({r.message!r}): {r.error}; {r.detail}"
        for r in firsts + [r for r in failed if r not in firsts]
    ]
    answered = [record.latency for record in records if record.latency is not None]
    return ScenarioResult(
        scenario=load.name,
        system=system,
        residents=len(residents),
        pause_s=load.pause,
        turns_planned=sum(len(r.turns) for r in residents),
        turns_ok=len(ok),
        seconds=round(seconds, 2),
        turns_per_second=throughput(len(ok), seconds),
        latency=summarise_latencies(answered),
        errors=errors,
        error_examples=examples[:ERROR_EXAMPLES],
        residents_completed=sum(r.completed for r in residents),
        latencies_ms=[round(s * 1000, 1) for s in answered],
    )


class Runner:
    """Runs the scenarios and fills in the report as it goes."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.out = options.output_dir
        self.out.mkdir(parents=True, exist_ok=True)
        self.stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.report = Report(
            started_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            commit=_commit(),
            machine=asdict(machine.describe()),
            options={k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
            database="",
            target_url=options.target_url,
        )

    # -- the loads ---------------------------------------------------------------------

    def loads(self, system: str) -> list[Load]:
        o = self.options
        chosen = []
        if o.saturation:
            chosen.append(Load("saturation", o.saturation_residents, 0.0))
        if o.realistic and (system == "ours" or o.baseline_realistic):
            chosen.append(Load("realistic", o.realistic_residents, o.pause))
        return chosen

    def scenario(
        self,
        load: Load,
        system: str,
        url: str,
        scripts: list[list[Turn]],
        database_url: str | None,
        pids: dict[str, int],
    ) -> ScenarioResult:
        print(
            f"{load.name}: {load.residents} residents on {system}"
            + (f", pausing about {load.pause:g} s" if load.pause else ", no pauses"),
            flush=True,
        )
        residents = [Resident(i, turns) for i, turns in enumerate(scripts)]
        spy = None
        if self.options.profile and load.name == "saturation" and "rasa_server" in pids:
            path = self.out / f"profile-{system}-{self.stamp}.txt"
            spy = profiling.start(pids["rasa_server"], path)
            time.sleep(1)  # py-spy attaches before the load starts
        ours = [*pids.values(), *([spy.pid] if spy else [])]
        watch = machine.CpuWatch(ours) if pids else None
        cpu_before = {name: machine.cpu_seconds(pid) for name, pid in pids.items()}
        try:
            run = asyncio.run(
                run_load(
                    url,
                    residents,
                    load.pause,
                    self.options.timeout,
                    self.options.seed,
                    self.options.max_seconds,
                )
            )
        finally:
            if spy is not None:
                profiling.stop(spy)
        result = summarise_run(load, system, residents, run.seconds)
        if watch is not None:
            result.others_cpu_share = round(watch.others_share(run.seconds), 3)
        result.cpu_cores = {
            name: round((machine.cpu_seconds(pid) - cpu_before[name]) / run.seconds, 2)
            for name, pid in pids.items()
        }
        if spy is not None:
            self.record_profile(system, path)
        if database_url is not None:
            check = asyncio.run(check_answers(database_url, residents))
            result.answers_expected = check.expected
            result.answers_stored = check.stored_as_expected
            result.answers_unexpected = len(check.unexpected)
            result.answer_problems = [f"{s} {q}: not stored" for s, q in check.missing][:10] + [
                f"{s} {q}: stored {got}, expected {want}" for s, q, want, got in check.different
            ][:10]
        self.report.scenarios.append(result)
        print(
            f"  {result.turns_ok}/{result.turns_planned} turns in {run.seconds:.0f} s, "
            f"{result.error_count} errors",
            flush=True,
        )
        return result

    def record_profile(self, system: str, path: Path) -> None:
        if not path.exists() or path.stat().st_size == 0:
            self.report.notes.append(f"py-spy wrote no profile of the {system} Rasa server")
            return
        summary = profiling.summarise_file(path)
        self.report.profiles[system] = {
            "file": _shown(path),
            **asdict(summary),
        }

    def read_memory(self, pids: dict[str, int], prefix: str = "") -> None:
        for name, pid in pids.items():
            peak = machine.peak_memory_mb(pid)
            if peak is not None:
                key = f"{prefix}{name}"
                self.report.peak_memory_mb[key] = max(
                    peak, self.report.peak_memory_mb.get(key) or 0
                )

    # -- our stack -----------------------------------------------------------------------

    def start_ours(self, database_url: str, log: IO) -> Stack:
        """Start our stack, timing the Rasa server's start to its first answer."""
        model = ensure_model()
        port = free_port()
        print("Starting our stack...", flush=True)
        launched = time.time()
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Residents in the saturation run send with no pause: the per-conversation limit
            # is off; the per-address limit and the daily cap apply as in production.
            scripted: dict[str, Any] = dict(SCRIPTED_CONVERSATIONS)
            starting = pool.submit(
                start_stack, model, database_url, rasa_port=port, log=log, **scripted
            )

            def failed() -> bool:
                return starting.done() and starting.exception() is not None

            try:
                answered = asyncio.run(self._first_answer(f"http://127.0.0.1:{port}", failed))
            except BaseException:
                if starting.exception() is None:
                    starting.result().stop()
                raise
            stack = starting.result()
        self.report.startup_seconds["ours"] = round(
            startup.seconds_to_first_answer(stack.rasa_server.pid, answered), 2
        )
        # bot.stack starts the action server first and the Rasa server once it answers.
        self.report.startup_seconds["ours_with_action_server"] = round(answered - launched, 2)
        return stack

    @staticmethod
    async def _first_answer(base_url: str, failed: Callable[[], bool]) -> float:
        probe = asyncio.ensure_future(
            startup.first_answer(base_url + REST_PATH, "hello", f"bench-startup-{token_hex(4)}")
        )
        while not probe.done():
            if failed():
                probe.cancel()
                raise RuntimeError("the server stopped while starting: see the logs in var/bench/")
            await asyncio.sleep(0.2)
        return probe.result()

    def run_ours(self) -> None:
        """Our scenarios, against the stack this run starts or the one at --target-url."""
        o = self.options
        if o.target_url:
            url = o.target_url.rstrip("/")
            url = url if url.endswith(REST_PATH) else url + REST_PATH
            self.report.database = safe_url(o.database_url) if o.database_url else "not checked"
            if not o.database_url:
                self.report.notes.append(
                    "answers not checked: give --database-url with the deployment's database"
                )
            for load in self.loads("ours"):
                scripts = [script_for(i) for i in range(load.residents)]
                self.scenario(load, "ours", url, scripts, o.database_url, {})
            return
        database_url = o.database_url or _fresh_sqlite(self.out)
        self.report.database = safe_url(database_url)
        migrate(database_url)
        with open(self.out / "stack.log", "w") as log:
            stack = self.start_ours(database_url, log)
            pids = {"rasa_server": stack.rasa_server.pid, "action_server": stack.action_server.pid}
            try:
                for load in self.loads("ours"):
                    scripts = [script_for(i) for i in range(load.residents)]
                    self.scenario(load, "ours", stack.rest_webhook, scripts, database_url, pids)
                    self.read_memory(pids)
            finally:
                self.read_memory(pids)
                stack.stop()

    # -- the baseline --------------------------------------------------------------------

    def run_baseline(self) -> None:
        loads = self.loads("baseline")
        if not loads:
            return
        model = baseline.ensure_model()
        port = free_port()
        print("Starting the stock Rasa assistant (baseline)...", flush=True)
        with open(self.out / "baseline.log", "w") as log:
            process = baseline.start_server(model, port, log)
            pids = {"rasa_server": process.pid}
            try:
                answered = asyncio.run(
                    self._first_answer(
                        f"http://127.0.0.1:{port}", lambda: process.poll() is not None
                    )
                )
                self.report.startup_seconds["baseline"] = round(
                    startup.seconds_to_first_answer(process.pid, answered), 2
                )
                for load in loads:
                    # The same number of turns per resident as ours had.
                    ours = [len(script_for(i)) for i in range(load.residents)]
                    scripts = [baseline.moodbot_script(n) for n in ours]
                    self.scenario(
                        load, "baseline", f"http://127.0.0.1:{port}{REST_PATH}", scripts, None, pids
                    )
                    self.read_memory(pids, prefix="baseline_")
            finally:
                self.read_memory(pids, prefix="baseline_")
                baseline.stop_server(process)

    # -- the whole run -------------------------------------------------------------------

    def run(self) -> Report:
        o = self.options
        if o.training_time and not o.target_url:
            print("Timing a full `rasa train --force` (a few minutes)...", flush=True)
            self.report.training_seconds = round(time_full_training(self.out / "training.log"), 1)
        elif o.training_time:
            self.report.notes.append("training time not measured against a running deployment")
        if o.target_url:
            self.report.notes.append(
                "start-up time, peak memory and profiles are not measured against a running "
                "deployment; answers are found by reference code, or by sender id with this "
                "shell's SENDER_ID_SECRET"
            )
        self.run_ours()
        if o.baseline:
            self.run_baseline()
        others = [r.others_cpu_share for r in self.report.scenarios if r.others_cpu_share]
        if others and max(others) > 0.1:
            self.report.notes.append(
                f"other processes used up to {max(others):.0%} of the machine's CPU during a "
                "scenario: the machine was busy, so these figures are not final"
            )
        return self.report

    def save(self) -> Path:
        path = write_json(self.report, self.out, self.stamp)
        print("\n" + format_table(self.report))
        print(f"\nWritten: {_shown(path)} (and latest.json)")
        return path
