"""`python -m bot.web`: serve the website on WEB_HOST:WEB_PORT (see bot.web.settings)."""

from __future__ import annotations

import sys

from aiohttp import web

from bot.settings import refuse_unsafe_secrets
from bot.staff.settings import StaffSettings, UnsafeConfiguration
from bot.web.app import create_app
from bot.web.settings import WebSettings


def main() -> None:
    refuse_unsafe_secrets("website", staff_console=True)
    settings = WebSettings.from_env()
    try:
        staff = StaffSettings.from_env()
    except UnsafeConfiguration as error:
        sys.exit(f"The website cannot start: {error}")
    web.run_app(
        create_app(settings, staff),
        host=settings.host,
        port=settings.port,
        # No access log: request lines carry residents' IP addresses, which we do not keep.
        access_log=None,
        # `make run` says where everything is; aiohttp's own banner would only confuse it.
        print=None,
    )


if __name__ == "__main__":
    main()
