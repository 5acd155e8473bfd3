"""The website's and the widget channel's configuration, from environment variables.

Read by two processes: the website (bot.web, which tells the widget where the Rasa server
is) and the Rasa server (bot.channels.socketio, which decides which websites may connect).
`.env.example` lists each variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origins(raw: str) -> tuple[str, ...]:
    """Origins from a comma- or space-separated list, written as a browser sends them.

    A browser's Origin header is `scheme://host[:port]`, lower case, with no path and no
    default port, and python-socketio compares it as a string: so `https://Example.org/` is
    stored as `https://example.org`, and anything that cannot be an origin is refused here
    rather than silently never matching.
    """
    origins = []
    for item in raw.replace(",", " ").split():
        if item == "*":
            raise ValueError(
                "WIDGET_ALLOWED_ORIGINS: list the websites that embed the widget; "
                "'*' would let any website use the chat."
            )
        parts = urlsplit(item)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"WIDGET_ALLOWED_ORIGINS: {item!r} is not an http(s) origin.")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(
                f"WIDGET_ALLOWED_ORIGINS: {item!r} has a path; an origin is scheme://host[:port]."
            )
        origin = f"{parts.scheme}://{parts.hostname}"
        if parts.port is not None and parts.port != DEFAULT_PORTS[parts.scheme]:
            origin += f":{parts.port}"
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def demo_page_origins(port: int) -> tuple[str, ...]:
    """Where the demo page is opened from on this machine (both names a browser may use)."""
    return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")


@dataclass(frozen=True)
class WebSettings:
    """Where the website listens, where its widget finds Rasa, and who may connect to Rasa."""

    host: str
    port: int
    # The Rasa server's URL as a resident's browser reaches it (written into the demo page).
    widget_server_url: str
    # Websites whose pages may open the widget's socket to the Rasa server.
    allowed_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> WebSettings:
        port = int(environ.get("WEB_PORT", "8080"))
        rasa_port = environ.get("RASA_PORT", "5005")
        origins = environ.get("WIDGET_ALLOWED_ORIGINS", "").strip()
        return cls(
            host=environ.get("WEB_HOST", "127.0.0.1"),
            port=port,
            widget_server_url=environ.get("WIDGET_SERVER_URL") or f"http://localhost:{rasa_port}",
            allowed_origins=parse_origins(origins) if origins else demo_page_origins(port),
        )
