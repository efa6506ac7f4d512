"""After loading the demo the command leaves planner statistics (ANALYZE), so that a fresh
PostgreSQL database does not plan its first pages as if the tables were empty."""

from __future__ import annotations

import pytest
from django.db import connection

from kitaplan import cli
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db


def test_analyze_gives_the_planner_statistics_of_the_loaded_tables():
    make_city()
    cli._analyze()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'territory_area'")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'territory_area'")
        (found,) = cursor.fetchone()
    assert found > 0
