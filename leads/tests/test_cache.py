"""The database cache's incr(): atomic (leads/tests/test_concurrency.py), and it keeps the key's
expiry, so that a rate-limit window keeps its length and a counter kept without expiry stays."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db


def expiry(key):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT expires FROM cache_entries WHERE cache_key = %s",
            [cache.make_and_validate_key(key)],
        )
        return cursor.fetchone()[0]


def test_it_adds_and_subtracts():
    cache.set("counter", 5, timeout=None)
    assert cache.incr("counter", 3) == 8
    assert cache.decr("counter") == 7
    assert cache.get("counter") == 7


def test_it_keeps_a_key_without_expiry():
    cache.set("counter", 1, timeout=None)
    kept = expiry("counter")
    cache.incr("counter")
    assert expiry("counter") == kept
    assert cache.get("counter") == 2


def test_it_keeps_the_expiry_of_a_window():
    cache.add("window", 0, timeout=3600)
    before = expiry("window")
    cache.incr("window")
    assert expiry("window") == before
    assert cache.get("window") == 1


def test_a_missing_or_expired_key_is_an_error():
    with pytest.raises(ValueError):
        cache.incr("nothing")
    cache.set("gone", 1, timeout=60)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cache_entries SET expires = %s WHERE cache_key = %s",
            [timezone.now() - dt.timedelta(seconds=1), cache.make_and_validate_key("gone")],
        )
    with pytest.raises(ValueError):
        cache.incr("gone")
