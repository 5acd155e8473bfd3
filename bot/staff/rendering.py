"""Staff pages from the Jinja templates in templates/staff/ (aiohttp-jinja2, autoescape on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.staff import csrf
from bot.staff.keys import STAFF

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


async def _context(request: web.Request) -> dict[str, Any]:
    session = await get_session(request)
    return {
        "staff": request.get(STAFF),
        "csrf_field": lambda: csrf.field(session),
        "current_path": request.path,
        "url": lambda name, **parts: str(request.app.router[name].url_for(**parts)),
    }


def setup_templates(app: web.Application) -> None:
    # Autoescape on, so residents' words can never become markup; StrictUndefined, so a
    # misspelt name fails loudly.
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


async def render(
    request: web.Request, template: str, status: int = 200, **context: Any
) -> web.Response:
    """A staff page: `template` is a name under templates/, e.g. "staff/audit.html".

    Every page gets `staff`, `csrf_field()`, `current_path` and `url(name, **parts)`.
    """
    return aiohttp_jinja2.render_template(
        template, request, {**await _context(request), **context}, status=status
    )
