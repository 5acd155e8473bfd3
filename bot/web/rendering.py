"""Rendering pages from the Jinja templates in templates/, and the app's typed keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.web.settings import WebSettings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

SETTINGS = web.AppKey("settings", WebSettings)
TEMPLATES = web.AppKey("templates", jinja2.Environment)


def template_environment() -> jinja2.Environment:
    # Autoescape on, so nothing a template is given can become markup; StrictUndefined, so a
    # misspelt name fails loudly instead of leaving a gap in the page.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    html = request.app[TEMPLATES].get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
