"""`make audit`: check the pinned dependencies against published advisories.

    python -m bot.audit [--timeout SECONDS]

Runs two tools, each only if it is there, each with a time limit:

- pip-audit on requirements/constraints.txt (every pinned Python package) plus the pip,
  setuptools and wheel of this virtual environment. pip-audit is not a project dependency:
  install it in a virtual environment of its own and point PIP_AUDIT at it (see HOW_TO_GET).
  It asks PyPI's JSON API first and OSV second.
- `npm audit --omit=dev` in web/ (the packages that end up in the website widget), which
  asks the npm registry's advisory endpoint.

Neither tool reaches its advisory service from this project's build machines. When a tool
cannot reach its service the run says so plainly, points at the manual review in
docs/dependencies.md and counts as a pass, because nothing was learnt. Watch out for one
trap, handled here: when PyPI's JSON API does not answer, pip-audit skips every package as
"not found on PyPI" and still prints "No known vulnerabilities found".

Exit status: 0 when every audit that ran found nothing (or could not run, said plainly);
1 when an audit ran and found vulnerabilities; 2 when a tool failed for another reason.
No network call is made here other than those the two tools make.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
WEB = ROOT / "web"
REVIEW = ROOT / "docs" / "dependencies.md"
REVIEW_DATE = re.compile(r"Last reviewed:\*{0,2}\s*(\d{4}-\d{2}-\d{2})")
# Installed by pip, not pinned in constraints.txt, and just as much part of what runs.
INSTALLERS = ("pip", "setuptools", "wheel")
DEFAULT_TIMEOUT = 180

HOW_TO_GET = """\
pip-audit is not installed, so the Python packages were not checked. It is not a project
dependency (its own dependencies would clash with Rasa 3.6's pins); install it apart:
    python3 -m venv ~/.venvs/pip-audit && ~/.venvs/pip-audit/bin/pip install pip-audit
    PIP_AUDIT=~/.venvs/pip-audit/bin/pip-audit make audit"""

# What pip-audit's and npm's errors say when the advisory service does not answer.
PIP_AUDIT_NETWORK = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "NameResolutionError",
    "Failed to resolve",
    "Max retries exceeded",
    "Network is unreachable",
    "Temporary failure in name resolution",
    "ProxyError",
    "SSLError",
    "ServiceError",
)
NPM_NETWORK_CODES = {
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "ENETUNREACH",
    "EHOSTUNREACH",
    "ERR_SOCKET_TIMEOUT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
}


@dataclass
class Outcome:
    """What one tool's run came to."""

    tool: str
    status: str  # "clean", "vulnerable", "unreachable", "missing", "failed"
    lines: list[str] = field(default_factory=list)


def review_date() -> str | None:
    """The date of the manual review in docs/dependencies.md, if it says one."""
    try:
        found = REVIEW_DATE.search(REVIEW.read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(1) if found else None


def unreachable_message(tool: str) -> str:
    date = review_date()
    review = f"the manual review of {date}" if date else "the manual review"
    return (
        f"{tool} could not reach its advisory service from this machine; "
        f"see docs/dependencies.md for {review}"
    )


def reviewed_note(ids: list[str]) -> str:
    """Whether docs/dependencies.md already records any of an advisory's ids."""
    try:
        text = REVIEW.read_text(encoding="utf-8")
    except OSError:
        text = ""
    if any(i and i in text for i in ids):
        return "(recorded in docs/dependencies.md)"
    return "(NEW: not in docs/dependencies.md)"


# --- pip-audit ---------------------------------------------------------------------------


def pip_audit_command() -> list[str] | None:
    """How to run pip-audit here: PIP_AUDIT, this environment's, or the one on PATH."""
    configured = os.environ.get("PIP_AUDIT")
    if configured:
        return [os.path.expanduser(configured)]
    beside = Path(sys.executable).parent / "pip-audit"
    if beside.exists():
        return [str(beside)]
    if importlib.util.find_spec("pip_audit") is not None:
        return [sys.executable, "-m", "pip_audit"]
    on_path = shutil.which("pip-audit")
    return [on_path] if on_path else None


def installer_pins() -> str:
    pins = []
    for name in INSTALLERS:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return "\n".join(pins) + "\n"


def read_pip_audit(stdout: str, stderr: str, returncode: int) -> Outcome:
    """Turn one pip-audit run (JSON on stdout) into an Outcome."""
    try:
        report = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        report = None
    if not isinstance(report, dict):
        if any(marker in stderr for marker in PIP_AUDIT_NETWORK):
            return Outcome("pip-audit", "unreachable")
        tail = stderr.strip().splitlines()[-5:]
        return Outcome("pip-audit", "failed", [f"pip-audit exited {returncode}:", *tail])
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if dependencies and not audited:
        # Every package "not found on PyPI": the JSON API did not answer, nothing was checked.
        return Outcome("pip-audit", "unreachable")
    lines = []
    found = 0
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            found += 1
            ids = [vuln.get("id", "")] + list(vuln.get("aliases", []))
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix published"
            lines.append(
                f"{dependency['name']} {dependency.get('version', '?')}: {', '.join(ids)} "
                f"(fixed in {fixed}) {reviewed_note(ids)}"
            )
    if skipped:
        names = ", ".join(d["name"] for d in skipped)
        lines.append(f"Not checked ({len(skipped)} packages the service did not know): {names}")
    return Outcome("pip-audit", "vulnerable" if found else "clean", lines)


def run_pip_audit(timeout: int) -> Outcome:
    command = pip_audit_command()
    if command is None:
        return Outcome("pip-audit", "missing", HOW_TO_GET.splitlines())
    with tempfile.TemporaryDirectory() as scratch:
        installers = Path(scratch) / "installers.txt"
        installers.write_text(installer_pins(), encoding="utf-8")
        outcome = Outcome("pip-audit", "unreachable")
        for service in ("pypi", "osv"):
            args = [
                *command,
                "--requirement",
                str(CONSTRAINTS),
                "--requirement",
                str(installers),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--vulnerability-service",
                service,
                "--timeout",
                "15",
            ]
            try:
                done = subprocess.run(
                    args, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                continue  # no answer in time: try the other service
            except OSError as error:
                return Outcome("pip-audit", "failed", [f"pip-audit could not start: {error}"])
            outcome = read_pip_audit(done.stdout, done.stderr, done.returncode)
            if outcome.status != "unreachable":
                outcome.lines.insert(0, f"(advisories from {service})")
                return outcome
        return outcome


# --- npm audit ---------------------------------------------------------------------------


def read_npm_audit(stdout: str, returncode: int) -> Outcome:
    """Turn one `npm audit --json` run into an Outcome."""
    try:
        report = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        report = None
    if not isinstance(report, dict):
        return Outcome("npm audit", "failed", [f"npm audit exited {returncode} without a report"])
    if "auditReportVersion" not in report and "vulnerabilities" not in report:
        raw_error = report.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        code = str(error.get("code") or report.get("code") or "")
        status = report.get("statusCode")
        # An HTTP error from the audit endpoint (the registry here answers 405 to its POST)
        # or a network error: either way, no advisory was looked at.
        if code in NPM_NETWORK_CODES or isinstance(status, int):
            return Outcome("npm audit", "unreachable")
        summary = str(report.get("message") or error.get("summary") or "unknown error")
        return Outcome("npm audit", "failed", [f"npm audit failed: {summary}"])
    lines = []
    for name, entry in sorted(report.get("vulnerabilities", {}).items()):
        for via in entry.get("via", []):
            if not isinstance(via, dict):
                continue  # "via" a package listed on its own
            url = str(via.get("url", ""))
            ids = [url.rsplit("/", 1)[-1], str(via.get("source", ""))]
            lines.append(
                f"{name} {via.get('range', '')}: {via.get('title', '')} {url} {reviewed_note(ids)}"
            )
    return Outcome("npm audit", "vulnerable" if lines else "clean", lines)


def run_npm_audit(timeout: int) -> Outcome:
    npm = shutil.which("npm")
    if npm is None:
        return Outcome("npm audit", "missing", ["npm is not installed: web/ was not checked."])
    args = [
        npm,
        "audit",
        "--omit=dev",
        "--json",
        "--fetch-retries=1",
        "--fetch-timeout=20000",
    ]
    try:
        done = subprocess.run(
            args, cwd=WEB, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Outcome("npm audit", "unreachable")
    except OSError as error:
        return Outcome("npm audit", "failed", [f"npm audit could not start: {error}"])
    return read_npm_audit(done.stdout, done.returncode)


# --- the whole run -----------------------------------------------------------------------


def report(outcome: Outcome) -> None:
    if outcome.status == "unreachable":
        print(unreachable_message(outcome.tool))
        return
    heading = {
        "clean": "no known vulnerabilities",
        "vulnerable": "VULNERABILITIES FOUND",
        "missing": "not run",
        "failed": "FAILED",
    }[outcome.status]
    print(f"{outcome.tool}: {heading}")
    for line in outcome.lines:
        print(f"  {line}")


def exit_status(outcomes: list[Outcome]) -> int:
    statuses = {outcome.status for outcome in outcomes}
    if "vulnerable" in statuses:
        return 1
    if "failed" in statuses:
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT,
        help=f"seconds allowed for each tool run (default {DEFAULT_TIMEOUT})",
    )
    args = parser.parse_args(argv)
    outcomes = [run_pip_audit(args.timeout), run_npm_audit(args.timeout)]
    for outcome in outcomes:
        report(outcome)
    return exit_status(outcomes)


if __name__ == "__main__":
    sys.exit(main())
