"""Run the `rasa` command line with nothing sent off the machine.

Rasa 3.6 sends crash reports to Sentry whatever its telemetry setting says
(`rasa.telemetry.initialize_error_reporting` is called unconditionally), and sends usage
telemetry unless it is switched off. A crash report can hold details of a resident's
conversation, and this project's machines have no internet anyway, so every `rasa` command
in this project runs through this module: `python -m bot.rasa_offline train ...`.
See docs/decisions/0006-rasa-never-phones-home.md.

It is also where the Rasa server learns what to do when the action server cannot answer
(bot.action_faults, docs/decisions/0007-when-the-action-server-cannot-answer.md), and to keep
residents' words out of its logs (bot.log_privacy), to refuse oversized and compressed
bodies (bot.rasa_edge), and where per-turn overhead Rasa need not
pay is removed (bot.rasa_speedups, docs/performance.md).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    import rasa.telemetry

    rasa.telemetry.initialize_error_reporting = lambda: None  # type: ignore[assignment]
    # RASA_STOCK=1 runs Rasa as shipped (only kept offline): the benchmark's baseline.
    if os.environ.get("RASA_STOCK") != "1":
        from bot import action_faults, log_privacy, rasa_edge, rasa_speedups, typed_buttons

        action_faults.install()
        rasa_edge.install()
        typed_buttons.install()
        log_privacy.install()
        rasa_speedups.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
