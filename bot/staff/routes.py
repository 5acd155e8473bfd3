"""The staff console's routes: paths under /staff, names starting "staff.".

Results and Export live in views_results.py and views_export.py (another module owner):
each defines `setup_routes(router: StaffRouter)`, called here when the module exists.

The routes go on the website's own router rather than a sub-application: with the pinned
aiohttp 3.9 and yarl 1.25, resolving a sub-application's prefix fails on any Host header
that carries a port (yarl refuses `host:port` in URL.build).
"""

from __future__ import annotations

import importlib

from aiohttp import web

from bot.staff import views_admin, views_auth, views_conversations, views_safeguarding
from bot.staff.auth import PREFIX, View

OPTIONAL_PAGES = ("bot.staff.views_results", "bot.staff.views_export")
KEY = "{key:[0-9a-f]{64}}"  # a conversation's sender key (bot.pseudonyms), never a sender id


class StaffRouter:
    """Adds routes under /staff, named "staff.<name>"; url_for uses the full name."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    def add_get(self, path: str, view: View, name: str) -> None:
        self.app.router.add_get(PREFIX + path, view, name=f"staff.{name}")

    def add_post(self, path: str, view: View, name: str) -> None:
        self.app.router.add_post(PREFIX + path, view, name=f"staff.{name}")


def setup_routes(app: web.Application) -> None:
    router = StaffRouter(app)
    router.add_get("", views_auth.home, name="home")
    router.add_get("/", views_auth.home, name="home_slash")
    router.add_get("/sign-in", views_auth.sign_in_page, name="sign_in")
    router.add_post("/sign-in", views_auth.sign_in, name="sign_in_post")
    router.add_post("/sign-out", views_auth.sign_out, name="sign_out")

    router.add_get("/conversations", views_conversations.listing, name="conversations")
    router.add_get(f"/conversations/{KEY}", views_conversations.transcript_page, name="transcript")
    router.add_post(f"/conversations/{KEY}/reveal", views_conversations.reveal, name="reveal")
    router.add_post(f"/conversations/{KEY}/tags", views_conversations.add_tag, name="add_tag")
    router.add_post(
        f"/conversations/{KEY}/tags/remove", views_conversations.remove_tag, name="remove_tag"
    )
    router.add_post(f"/conversations/{KEY}/review", views_conversations.review, name="review")

    views_safeguarding.setup_routes(router)

    router.add_get("/erase", views_admin.erase_page, name="erase")
    router.add_post("/erase", views_admin.erase, name="erase_post")
    router.add_get("/audit", views_admin.audit_log, name="audit")

    for module_name in OPTIONAL_PAGES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.setup_routes(router)
