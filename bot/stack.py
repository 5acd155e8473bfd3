"""Start and stop the assistant's processes: the action server, the Rasa server and the
website (the demo page with the chat widget).

Used by `make run` (bot.serve) and by the end-to-end tests, so both run the stack the
same way.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent
# Where the servers listen unless RASA_HOST, ACTIONS_HOST or WEB_HOST say otherwise.
LOOPBACK = "127.0.0.1"
# For the tests and the benchmark only: they script conversations much faster than anyone
# types, which the per-conversation rate limit would refuse (bot.channels.limits). The
# per-address limit and the daily cap stay as configured; tests/e2e/test_security_limits.py
# checks the limits themselves.
SCRIPTED_CONVERSATIONS = {"SENDER_RATE_LIMIT": "0"}
# Every rasa command goes through bot.rasa_offline (docs/decisions/0006-rasa-never-phones-home.md).
RASA = [sys.executable, "-m", "bot.rasa_offline"]


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_environment(database_url: str, actions_port: int, **extra: str) -> dict[str, str]:
    """The environment both servers need (endpoints.yml reads these)."""
    env = dict(os.environ)
    # The Rasa server sends it, the action server checks it (endpoints.yml): a new random
    # one for each stack unless it is configured, so no default token exists anywhere.
    if not env.get("ACTION_SERVER_TOKEN", "").strip():
        env["ACTION_SERVER_TOKEN"] = secrets.token_urlsafe(32)
    env.update(
        DATABASE_URL=database_url,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
        # Rasa and TensorFlow are chatty at start-up; keep what matters.
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        # Nothing may phone home: no telemetry or error reports leave the machine.
        RASA_TELEMETRY_ENABLED="false",
    )
    env.update(extra)
    return env


@dataclass
class Stack:
    """A running action server and Rasa server."""

    rasa_port: int
    actions_port: int
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    log_path: Path | None = None
    model: Path | None = None
    log: IO | None = None
    web_port: int | None = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def action_server(self) -> subprocess.Popen:
        return self.processes[0]

    @property
    def rasa_server(self) -> subprocess.Popen:
        return self.processes[1]

    def restart_action_server(self, **env: str) -> None:
        """Stop the action server and start it again (with `env` changed, if given)."""
        stop_process(self.action_server)
        self.processes[0] = start_action_server(self.actions_port, {**self.env, **env}, self.log)

    def restart_rasa_server(self) -> None:
        """Stop the Rasa server and start it again on the same port."""
        assert self.model is not None
        stop_process(self.rasa_server)
        self.processes[1] = start_rasa_server(self.model, self.rasa_port, self.env, self.log)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def stop_process(process: subprocess.Popen) -> None:
    """Ask a process to stop; kill it if it has not after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(url: str, process: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"The {what} stopped while starting (exit code {process.returncode})."
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise TimeoutError(f"The {what} did not answer at {url} within {timeout:.0f} s.")


def start_process(
    command: list[str],
    health_url: str,
    timeout: float,
    what: str,
    env: dict[str, str],
    log: IO | None = None,
) -> subprocess.Popen:
    """Start a process and return once `health_url` answers; stop it if it never does."""
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    try:
        _wait_for(health_url, process, timeout, what)
    except BaseException:
        if process.poll() is None:
            stop_process(process)
        raise
    return process


def action_server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bot.action_server", "--port", str(port)]


def start_action_server(port: int, env: dict[str, str], log: IO | None = None) -> subprocess.Popen:
    command = action_server_command(port)
    return start_process(command, f"http://127.0.0.1:{port}/health", 120, "action server", env, log)


def rasa_server_command(
    model: Path,
    port: int,
    endpoints: str | Path = "endpoints.yml",
    extra_args: Sequence[str] = (),
    host: str = LOOPBACK,
) -> list[str]:
    """`rasa run` for the Rasa server; another `endpoints` file is for the cluster (bot.cluster).

    It listens on `host` only: this machine, unless told otherwise (Rasa's own default is
    every interface, which would put the REST channel on the network)."""
    return [
        *RASA, "run",
        "--model", str(model),
        "--interface", host,
        "--port", str(port),
        "--endpoints", str(endpoints),
        "--credentials", "credentials.yml",
        *extra_args,
    ]  # fmt: skip


def start_rasa_server(
    model: Path, port: int, env: dict[str, str], log: IO | None = None
) -> subprocess.Popen:
    command = rasa_server_command(model, port, host=env.get("RASA_HOST") or LOOPBACK)
    # The Rasa server answers only once its model is loaded (most of its start-up time).
    return start_process(command, f"http://127.0.0.1:{port}/", 300, "Rasa server", env, log)


def start_web_server(env: dict[str, str], log: IO | None = None) -> subprocess.Popen:
    """The website (bot.web), on WEB_PORT from `env`."""
    command = [sys.executable, "-m", "bot.web"]
    return start_process(command, f"http://127.0.0.1:{env['WEB_PORT']}/", 60, "website", env, log)


def start_stack(
    model: Path,
    database_url: str,
    rasa_port: int | None = None,
    actions_port: int | None = None,
    log: IO | None = None,
    web_port: int | None = None,
    **extra_env: str,
) -> Stack:
    """Start the action server, the Rasa server, then the website; return when all answer."""
    actions_port = actions_port or free_port()
    rasa_port = rasa_port or free_port()
    web_port = web_port or free_port()
    # The website tells the widget where Rasa is (RASA_PORT); the Rasa server lets the
    # website's pages connect (WEB_PORT): see bot.web.settings.
    ports = {"RASA_PORT": str(rasa_port), "WEB_PORT": str(web_port)}
    env = stack_environment(database_url, actions_port, **{**ports, **extra_env})
    stack = Stack(
        rasa_port=rasa_port,
        actions_port=actions_port,
        env=env,
        model=model,
        log=log,
        web_port=web_port,
    )
    try:
        stack.processes.append(start_action_server(actions_port, env, log))
        stack.processes.append(start_rasa_server(model, rasa_port, env, log))
        stack.processes.append(start_web_server(env, log))
    except BaseException:
        stack.stop()
        raise
    return stack
