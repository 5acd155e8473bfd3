"""Every response's security headers, plain pages for "not found" and faults, and no
compressed request bodies."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.http_checks import is_compressed
from bot.web.rendering import SETTINGS, render

logger = logging.getLogger(__name__)


def content_security_policy(widget_server_url: str) -> str:
    """Only this site's own files, and the widget's connection to the Rasa server.

    Nothing comes from elsewhere (no CDN, no web fonts), so the page works with no internet,
    and injected markup could neither run script nor send data anywhere else.
    """
    server = urlsplit(widget_server_url)
    sockets = "wss" if server.scheme == "https" else "ws"
    return "; ".join(
        [
            "default-src 'self'",
            f"connect-src 'self' {server.scheme}://{server.netloc} {sockets}://{server.netloc}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    headers = {
        "Content-Security-Policy": content_security_policy(request.app[SETTINGS].widget_server_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # Revalidate every time, so a rebuilt widget.js reaches residents at once.
        "Cache-Control": "no-cache",
    }
    try:
        response = await handler(request)
    except web.HTTPException as answer:  # a redirect or error answered by raising
        _add(answer.headers, headers)
        raise
    _add(response.headers, headers)
    return response


def _add(headers: MutableMapping[str, str], defaults: dict[str, str]) -> None:
    # Only where missing: the staff console (bot/staff) sets a stricter policy of its own.
    for name, value in defaults.items():
        headers.setdefault(name, value)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return render(request, "error.html", status=404, heading="Page not found")
    except web.HTTPException:
        raise
    except Exception as error:  # a fault of ours: say so plainly, log only its kind
        logger.error("Could not show a page: %s", type(error).__name__)
        return render(request, "error.html", status=500, heading="Sorry, something went wrong")


COMPRESSED_BODY = "Send the form uncompressed: this site takes no Content-Encoding."


@web.middleware
async def refuse_compressed_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """415 for a request with a Content-Encoding, before its body is read.

    aiohttp inflates compressed request bodies with no bound (CVE-2025-69223, fixed in a
    release Rasa 3.6's pins keep out: docs/dependencies.md, E1), and no browser compresses
    what it sends, so nothing is lost.
    """
    if is_compressed(request.headers.get("Content-Encoding")):
        return render(request, "error.html", status=415, heading=COMPRESSED_BODY)
    return await handler(request)
