"""make bench-inprocess's split of a request's time (bench/inprocess.py): every query, every
commit and every Redis round trip counted once, and only while it measures."""

import os

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext
from redis.connection import AbstractConnection

from bench.inprocess import Split, split_of
from LittleLemonDRF.models import Category, Table


@pytest.fixture
def split(monkeypatch):
    """A Split wrapping the commits and Redis's connections, unwrapped again after the test."""
    monkeypatch.setattr(BaseDatabaseWrapper, "_commit", BaseDatabaseWrapper._commit)
    for name in ("send_packed_command", "read_response"):
        monkeypatch.setattr(AbstractConnection, name, getattr(AbstractConnection, name))
    split = Split()
    split.install_on_commits()
    split.install_on_redis()
    return split


def test_every_query_and_the_commit_are_counted(transactional_db, split):
    # Tables: a model no cache reads, so the write bumps no cache version in Redis.
    with CaptureQueriesContext(connection) as seen, split.measuring():
        assert not Table.objects.filter(name="Window 9").exists()
        with transaction.atomic():
            Table.objects.create(name="Window 9", seats=2)

    # The debug log lists the queries and, since Django 4.2, BEGIN and COMMIT as well.
    statements = [query["sql"] for query in seen.captured_queries]
    assert statements[-1] == "COMMIT"
    if connection.vendor == "postgresql":
        statements.remove("BEGIN")  # psycopg sends it with the next statement, not on its own
    assert split.calls["db"] == len(statements)
    assert split.seconds["db"] > 0
    assert split.calls["redis"] == 0


def test_nothing_is_counted_outside_a_measurement(transactional_db, split):
    with split.measuring():
        Category.objects.count()
    Category.objects.count()
    with transaction.atomic():
        Category.objects.create(slug="salads", title="Salads")

    assert split.calls["db"] == 1


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL")
def test_each_redis_round_trip_is_counted_once(split):
    def three_trips():
        cache.set("bench-split", 1)
        cache.get("bench-split")
        cache.delete("bench-split")

    three_trips()  # connected before measuring: a connection's own handshake is not counted
    figures = split_of(three_trips, 4, split)

    assert figures["redis_trips"] == 3
    assert figures["redis_us"] > 0
    assert figures["db_calls"] == 0
