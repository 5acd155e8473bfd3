"""`make run-cluster`: the scale-out of deploy/README.md, on this machine.

Two action servers and two Rasa servers behind nginx, sharing PostgreSQL (transcripts and
answers) and Redis (Rasa's lock store, so the messages of one conversation are handled one
at a time whichever Rasa server receives them). PostgreSQL, Redis and nginx are Debian's
packages: used as found, installed and started when missing. What this writes (the Rasa
servers' endpoints file, nginx's configuration, logs) goes to var/cluster/.

Used by `make run-cluster` and by tests/e2e/test_cluster.py, so both run it the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from bot.settings import PROJECT_ROOT
from bot.stack import (
    BIN,
    action_server_command,
    free_port,
    rasa_server_command,
    stack_environment,
    start_process,
)

CLUSTER_DIR = PROJECT_ROOT / "var" / "cluster"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/consult_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


class Unavailable(RuntimeError):
    """PostgreSQL, Redis or nginx is missing here and could not be installed or started."""


@dataclass(frozen=True)
class Ports:
    """Where each process listens (all on 127.0.0.1)."""

    balancer: int  # nginx, for residents' channels
    rasa: tuple[int, ...]
    actions: tuple[int, ...]
    actions_balancer: int  # nginx, for the Rasa servers' action calls

    @classmethod
    def defaults(cls) -> Ports:
        """The ports of `make run-cluster`, from the environment (next to `make run`'s)."""

        def ports(name: str, default: str) -> tuple[int, ...]:
            return tuple(int(p) for p in os.environ.get(name, default).split(","))

        return cls(
            balancer=int(os.environ.get("CLUSTER_PORT", "8000")),
            rasa=ports("CLUSTER_RASA_PORTS", "5006,5007"),
            actions=ports("CLUSTER_ACTIONS_PORTS", "5056,5057"),
            actions_balancer=int(os.environ.get("CLUSTER_ACTIONS_BALANCER_PORT", "5060")),
        )

    @classmethod
    def free(cls, servers: int = 2) -> Ports:
        return cls(
            balancer=free_port(),
            rasa=tuple(free_port() for _ in range(servers)),
            actions=tuple(free_port() for _ in range(servers)),
            actions_balancer=free_port(),
        )


@dataclass(frozen=True)
class LockStore:
    """Rasa's Redis lock store: where it is, and the key prefix (letters and digits only)."""

    host: str = "127.0.0.1"
    port: int = 6379
    db: int = 1
    key_prefix: str = "consult"

    @classmethod
    def from_url(cls, url: str, key_prefix: str = "consult") -> LockStore:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=int(parts.path.strip("/") or 1),
            key_prefix=key_prefix,
        )

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


# --- PostgreSQL, Redis and nginx: as found, or Debian's packages ------------------------


def _as_root(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo"):
        return ["sudo", *command]
    raise Unavailable(f"`{' '.join(command)}` needs root, and sudo is not here.")


def apt_install(*packages: str) -> None:
    """Install Debian packages (only Debian's registry is needed)."""
    if not shutil.which("apt-get"):
        raise Unavailable(f"{', '.join(packages)} missing, and apt-get is not here to install it.")
    print(f"Installing {' '.join(packages)} from Debian's packages...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = _as_root(["apt-get", "install", "-y", "-qq", *packages])
    if subprocess.run(install, env=env).returncode == 0:
        return
    # The package lists may be missing or stale (a fresh machine): fetch them once.
    subprocess.run(_as_root(["apt-get", "update", "-qq"]), env=env)
    if subprocess.run(install, env=env).returncode != 0:
        raise Unavailable(f"Could not install {' '.join(packages)} with apt-get.")


def _postgres_ready(host: str, port: int) -> bool:
    command = ["pg_isready", "-q", "-h", host or "127.0.0.1", "-p", str(port)]
    if shutil.which("pg_isready"):
        return subprocess.run(command).returncode == 0
    return _port_open(host or "127.0.0.1", port)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def ensure_postgres(database_url: str) -> None:
    """PostgreSQL answering at the URL's address: started, or installed, if it is local."""
    parts = urlsplit(database_url)
    host, port = parts.hostname or "", parts.port or 5432
    if _postgres_ready(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise Unavailable(f"PostgreSQL does not answer at {host}:{port}.")
    installed_now = not shutil.which("pg_ctlcluster")
    if installed_now:
        apt_install("postgresql")
    clusters = sorted(Path("/etc/postgresql").glob("*/*/postgresql.conf"))
    for conf in clusters:
        version, name = conf.parent.parent.name, conf.parent.name
        if installed_now:
            _trust_local_connections(conf.parent / "pg_hba.conf")
        start = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"]
        subprocess.run(_as_root(start))
    if not _wait(lambda: _postgres_ready(host, port), 30):
        raise Unavailable(f"PostgreSQL did not start at {host or '127.0.0.1'}:{port}.")


def _trust_local_connections(pg_hba: Path) -> None:
    # Only for a PostgreSQL this script has just installed (no data yet): the cluster, like
    # this project's machines, connects from 127.0.0.1 as `postgres` without a password.
    print(f"Allowing local connections without a password in {pg_hba}.", flush=True)
    rule = "host all all 127.0.0.1/32 trust\n"
    pg_hba.write_text(rule + pg_hba.read_text())


def _redis_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis(lock_store: LockStore) -> None:
    """Redis answering at the lock store's address: started, or installed, if it is local."""
    host, port = lock_store.host, lock_store.port
    if _redis_ping(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise Unavailable(f"Redis does not answer at {host}:{port}.")
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    # Not Debian's service: its settings fix the port, and some machines have no init.
    # Nothing saved to disk: locks last seconds.
    start = [server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port)]
    start += ["--save", "", "--appendonly", "no"]
    subprocess.run(_as_root(start), stdout=subprocess.DEVNULL)
    if not _wait(lambda: _redis_ping(host, port), 15):
        raise Unavailable(f"Redis did not start at {host}:{port}.")


def ensure_nginx() -> str:
    """The nginx program (Debian's package, installed if missing; not started here)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    apt_install("nginx")
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if not found:
        raise Unavailable("nginx is not here after installing Debian's package.")
    return found


def _wait(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def prepare_database(database_url: str) -> None:
    """Create the PostgreSQL database if it is missing, then apply the migrations."""
    import sqlalchemy as sa

    url = sa.engine.make_url(database_url)
    name = url.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"Use a database name of letters, digits and _ (not {name!r}).")
    admin = sa.create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not exists:
                print(f"Creating the database {name}.", flush=True)
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    subprocess.run(
        [str(BIN / "consult"), "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
    )


# --- The generated configuration -------------------------------------------------------


def write_endpoints(directory: Path, lock_store: LockStore) -> Path:
    """endpoints.yml (action server, tracker store) with Redis as the lock store."""
    text = (PROJECT_ROOT / "endpoints.yml").read_text()
    text += f"""
# Added by bot.cluster: one Redis lock store for every Rasa server, so two messages of one
# conversation are handled one after the other even when two servers receive them.
# Rasa's Redis lock store, made safe for several servers (bot/lock_store.py).
lock_store:
  type: bot.lock_store.AtomicRedisLockStore
  url: {lock_store.host}
  port: {lock_store.port}
  db: {lock_store.db}
  key_prefix: {lock_store.key_prefix}
"""
    path = directory / "endpoints.yml"
    path.write_text(text)
    return path


NGINX_CONF = """\
# Generated by bot.cluster for `make run-cluster`; deploy/nginx.conf is the production version.
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/logs/nginx-error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    # Requests and responses stay in memory (see the servers below): nginx's workers run as
    # `nobody` when started as root, and may not reach a temporary directory such as pytest's.
    proxy_max_temp_file_size 0;
    client_body_temp_path {dir}/tmp/client_body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;

    # Which server handled each request, and how long it took: no client address, no
    # query string and no body, so nothing about a resident.
    log_format upstream '$time_iso8601 $uri $status $upstream_addr $request_time';
    access_log {dir}/logs/nginx-upstream.log upstream;

    # REST and Twilio webhooks: any Rasa server (the lock store and the shared tracker
    # store keep each conversation in order).
    upstream rasa {{
{rasa_servers}
        keepalive 16;
    }}

    # socket.io (the website widget): a client must stay on one server, because its
    # session lives in that server's memory. By client address.
    upstream rasa_socketio {{
        ip_hash;
{rasa_servers}
    }}

    upstream actions {{
{action_servers}
        keepalive 16;
    }}

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}

    server {{
        listen 127.0.0.1:{balancer_port};
        client_max_body_size 64k;
        client_body_buffer_size 64k;
        # No client of ours compresses what it sends (docs/dependencies.md, E1).
        if ($http_content_encoding) {{
            return 415;
        }}

        location = / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}

        location /webhooks/ {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 90s;
        }}

        location /socket.io/ {{
            proxy_pass http://rasa_socketio;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
        }}

        # Nothing else of the Rasa servers (such as their HTTP API) is public.
        location / {{
            return 404;
        }}
    }}

    # The Rasa servers' action calls, spread over the action servers. A server that refuses
    # the connection is skipped; a call already sent is never repeated (it may have saved).
    server {{
        listen 127.0.0.1:{actions_balancer_port};
        # An action call carries the whole conversation and the domain (often 100 KB and
        # more): passed on as it arrives, not stored first.
        client_max_body_size 16m;
        if ($http_content_encoding) {{
            return 415;
        }}
        location / {{
            proxy_pass http://actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_next_upstream error;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def write_nginx_conf(directory: Path, ports: Ports) -> Path:
    def servers(port_list: Sequence[int]) -> str:
        return "\n".join(f"        server 127.0.0.1:{port};" for port in port_list)

    for sub in ("logs", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    path = directory / "nginx.conf"
    path.write_text(
        NGINX_CONF.format(
            dir=directory,
            rasa_servers=servers(ports.rasa),
            action_servers=servers(ports.actions),
            balancer_port=ports.balancer,
            actions_balancer_port=ports.actions_balancer,
        )
    )
    return path


# --- Running it ------------------------------------------------------------------------


@dataclass
class Cluster:
    """Running action servers, Rasa servers and nginx."""

    ports: Ports
    directory: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: list[IO] = field(default_factory=list)

    @property
    def balancer_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.balancer}"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.rasa]

    def rest_webhook(self, url: str) -> str:
        return f"{url}/webhooks/rest/webhook"

    def stop(self) -> None:
        # nginx first, so nothing new arrives; action servers last, so no turn is cut short.
        for kind in ("nginx", "rasa", "actions"):
            group = [p for name, p in self.processes.items() if name.split("-")[0] == kind]
            for process in group:
                if process.poll() is None:
                    process.terminate()
            for process in group:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for log in self.logs:
            log.close()


def start_cluster(
    model: Path,
    database_url: str,
    lock_store: LockStore,
    ports: Ports,
    directory: Path = CLUSTER_DIR,
    rasa_args: Sequence[str] = (),
    **extra_env: str,
) -> Cluster:
    """Start every process (the servers in parallel) and return once nginx answers.

    PostgreSQL and Redis must be up and the database migrated (ensure_postgres,
    ensure_redis, prepare_database); nginx must be installed (ensure_nginx).
    """
    directory.mkdir(parents=True, exist_ok=True)
    endpoints = write_endpoints(directory, lock_store)
    nginx_conf = write_nginx_conf(directory, ports)
    nginx = ensure_nginx()
    env = stack_environment(
        database_url,
        ports.actions_balancer,
        # The Rasa servers let the demo page's origin connect over socket.io.
        WEB_PORT=os.environ.get("WEB_PORT", "8080"),
        # Behind nginx: a client's address is the X-Forwarded-For entry nginx adds, for the
        # per-address rate limit (bot/channels/limits.py).
        SANIC_PROXIES_COUNT="1",
        **extra_env,
    )
    cluster = Cluster(ports=ports, directory=directory, env=env)

    def log(name: str) -> IO:
        handle = open(directory / "logs" / f"{name}.log", "w")
        cluster.logs.append(handle)
        return handle

    starts: dict[str, tuple[list[str], str, float]] = {}
    for number, port in enumerate(ports.actions, 1):
        health = f"http://127.0.0.1:{port}/health"
        starts[f"actions-{number}"] = (action_server_command(port), health, 120)
    for number, port in enumerate(ports.rasa, 1):
        command = rasa_server_command(model, port, endpoints, rasa_args)
        # The Rasa servers answer only once their model is loaded: most of the start-up.
        starts[f"rasa-{number}"] = (command, f"http://127.0.0.1:{port}/", 400)
    futures: dict[str, Future[subprocess.Popen]] = {}
    try:
        with ThreadPoolExecutor(max_workers=len(starts)) as pool:
            for name, (command, url, timeout) in starts.items():
                futures[name] = pool.submit(
                    start_process, command, url, timeout, name, env, log(name)
                )
        for name, future in futures.items():
            cluster.processes[name] = future.result()  # raises the first failure
        command = [nginx, "-e", str(directory / "logs" / "nginx-error.log")]
        command += ["-p", f"{directory}/", "-c", str(nginx_conf)]
        check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration: {check.stderr.strip()}")
        cluster.processes["nginx"] = start_process(
            command, f"{cluster.balancer_url}/", 30, "nginx", env, log("nginx")
        )
    except BaseException:
        # Every start has finished (the pool waits for them): stop those that succeeded.
        for name, future in futures.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                cluster.processes[name] = future.result()
        cluster.stop()
        raise
    return cluster


HOW_TO_TALK = """
The cluster is running (started in {seconds:.0f} s).

  Load balancer (nginx):  {balancer}  (REST and Twilio webhooks, socket.io)
  Rasa servers:           {rasa}
  Action servers:         {actions}  (balanced by nginx at :{actions_balancer})
  Database:               {database}
  Lock store:             {redis}  (key prefix {prefix})
  Configuration and logs: {directory}/

  Talk through nginx:     curl -s -XPOST {balancer}/webhooks/rest/webhook \\
                            -H 'Content-Type: application/json' \\
                            -d '{{"sender": "me", "message": "hello"}}'

Press Ctrl-C to stop.
"""


def main() -> int:
    from bot.training import ensure_model

    started = time.monotonic()
    database_url = os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_DATABASE_URL)
    lock_store = LockStore.from_url(os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS_URL))
    ports = Ports.defaults()
    try:
        ensure_postgres(database_url)
        ensure_redis(lock_store)
        ensure_nginx()
    except Unavailable as problem:
        print(f"Cannot start the cluster: {problem}", file=sys.stderr)
        return 1
    prepare_database(database_url)
    model = ensure_model()
    print("Starting 2 action servers, 2 Rasa servers and nginx...", flush=True)
    cluster = start_cluster(model, database_url, lock_store, ports)
    import sqlalchemy as sa

    print(
        HOW_TO_TALK.format(
            seconds=time.monotonic() - started,
            balancer=f"http://localhost:{ports.balancer}",
            rasa=", ".join(cluster.rasa_urls),
            actions=", ".join(f"http://127.0.0.1:{port}" for port in ports.actions),
            actions_balancer=ports.actions_balancer,
            database=sa.engine.make_url(database_url).render_as_string(hide_password=True),
            redis=lock_store.url,
            prefix=lock_store.key_prefix,
            directory=cluster.directory.relative_to(PROJECT_ROOT)
            if cluster.directory.is_relative_to(PROJECT_ROOT)
            else cluster.directory,
        ),
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Ctrl-C stops the cluster even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 0
    try:
        while all(process.poll() is None for process in cluster.processes.values()):
            time.sleep(1)
        stopped = [name for name, p in cluster.processes.items() if p.poll() is not None]
        print(f"{', '.join(stopped)} stopped: stopping the cluster.", file=sys.stderr)
        code = 1
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        print("Stopping...", flush=True)
        cluster.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
