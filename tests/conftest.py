"""Shared pytest fixtures. Database fixtures live in tests/db_fixtures.py."""

from tests.db_fixtures import *  # noqa: F401,F403
from tests.staff_fixtures import *  # noqa: F401,F403,E402
