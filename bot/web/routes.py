"""The website's routes, each with a name."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web import views

STATIC_DIR = Path(__file__).resolve().parent / "static"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", views.index, name="index")
    # widget.js (built by `make widget`) and the demo page's stylesheet.
    app.router.add_static("/static/", STATIC_DIR, name="static")
