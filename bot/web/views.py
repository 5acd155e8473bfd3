"""The website's pages."""

from __future__ import annotations

from aiohttp import web

from bot import content
from bot.web.rendering import SETTINGS, render


async def index(request: web.Request) -> web.Response:
    """The consultation page, with the chat widget."""
    return render(
        request,
        "index.html",
        widget_server_url=request.app[SETTINGS].widget_server_url,
        parts=content.parts().values(),
    )
