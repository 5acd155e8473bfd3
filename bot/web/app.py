"""The website: `create_app(settings)` builds the aiohttp application."""

from __future__ import annotations

from aiohttp import web

from bot.staff.app import setup_staff
from bot.staff.settings import StaffSettings
from bot.web.middleware import error_pages, refuse_compressed_bodies, security_headers
from bot.web.rendering import SETTINGS, TEMPLATES, template_environment
from bot.web.routes import setup_routes
from bot.web.settings import WebSettings

# The largest form the staff console posts (notes, a new user) is far below this.
MAX_FORM_BYTES = 64 * 1024


def create_app(settings: WebSettings, staff: StaffSettings | None = None) -> web.Application:
    # The first middleware is the outermost: security_headers also covers error_pages' pages.
    app = web.Application(
        middlewares=[security_headers, error_pages, refuse_compressed_bodies],
        # Staff forms are a few hundred bytes; aiohttp's default would read 1 MB (413 beyond).
        client_max_size=MAX_FORM_BYTES,
    )
    app[SETTINGS] = settings
    app[TEMPLATES] = template_environment()
    setup_routes(app)
    # The staff console under /staff (bot/staff/): its own sessions, sign-in and headers.
    setup_staff(app, staff)
    return app
