"""The command line: `python -m bench [options]`, which `make bench BENCH_ARGS=...` runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.run import Options, Runner

EPILOG = """
With no scenario flag, every scenario runs. Results: a table on stdout, and JSON in
var/bench/ (bench-<time>.json and latest.json). Method: docs/performance.md.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the assistant under load, next to Rasa's stock assistant.",
        epilog=EPILOG,
    )
    d = Options()
    scenarios = p.add_argument_group("scenarios (all by default)")
    scenarios.add_argument(
        "--saturation",
        action="store_true",
        help="residents with no pause between messages, ours and the baseline",
    )
    scenarios.add_argument(
        "--realistic", action="store_true", help="many residents pausing between messages, ours"
    )
    scenarios.add_argument(
        "--baseline-realistic",
        action="store_true",
        help="also run the realistic scenario against the baseline",
    )
    scenarios.add_argument(
        "--no-baseline", action="store_true", help="skip the stock assistant (no ratios)"
    )
    shape = p.add_argument_group("load")
    shape.add_argument("--saturation-residents", type=int, default=d.saturation_residents)
    shape.add_argument("--realistic-residents", type=int, default=d.realistic_residents)
    shape.add_argument(
        "--pause",
        type=float,
        default=d.pause,
        help="realistic: mean seconds between a resident's messages, "
        "jittered by up to half either way (default %(default)s)",
    )
    shape.add_argument(
        "--timeout",
        type=float,
        default=d.timeout,
        help="seconds to wait for a reply before counting an error",
    )
    shape.add_argument(
        "--max-seconds",
        type=float,
        default=d.max_seconds,
        help="stop a scenario after this long; residents still talking count "
        "one 'cut off' error each (default %(default)s)",
    )
    shape.add_argument("--seed", type=int, default=d.seed, help="for the pauses' jitter")
    extra = p.add_argument_group("other measurements")
    extra.add_argument(
        "--skip-training-time",
        action="store_true",
        help="do not time a full `rasa train --force` (saves minutes)",
    )
    extra.add_argument(
        "--profile",
        action="store_true",
        help="py-spy profile of the Rasa servers during the saturation run",
    )
    where = p.add_argument_group("what to run against")
    where.add_argument(
        "--database-url",
        help="e.g. postgresql://postgres@127.0.0.1:5432/test (created if missing and "
        "migrated, unless --target-url); default: a fresh SQLite database in var/bench/",
    )
    where.add_argument(
        "--target-url",
        help="drive an already running deployment (e.g. http://127.0.0.1:8000) "
        "instead of starting the stack; add --database-url (the deployment's) to check "
        "that every answer was stored",
    )
    where.add_argument("--output-dir", type=Path, default=d.output_dir)
    return p  # fmt: skip


def options_from(argv: list[str] | None = None) -> Options:
    p = parser()
    args = p.parse_args(argv)
    if args.saturation_residents < 1 or args.realistic_residents < 1:
        p.error("the number of residents must be at least 1")
    everything = not (args.saturation or args.realistic or args.baseline_realistic)
    return Options(
        saturation=args.saturation or everything,
        realistic=args.realistic or args.baseline_realistic or everything,
        baseline=not args.no_baseline,
        baseline_realistic=args.baseline_realistic,
        saturation_residents=args.saturation_residents,
        realistic_residents=args.realistic_residents,
        pause=args.pause,
        timeout=args.timeout,
        max_seconds=args.max_seconds,
        training_time=not args.skip_training_time,
        profile=args.profile,
        database_url=args.database_url,
        target_url=args.target_url,
        output_dir=args.output_dir.resolve(),
        seed=args.seed,
    )


def main(argv: list[str] | None = None) -> int:
    runner = Runner(options_from(argv))
    runner.run()
    runner.save()
    return 0
