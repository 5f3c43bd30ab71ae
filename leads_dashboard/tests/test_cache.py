"""The database cache's incr(): atomic (leads/tests/test_concurrency.py), and it keeps the key's
expiry, so that a rate-limit window keeps its length and a number kept without expiry stays."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from leads.tests.throwaway_servers import throwaway_server_url
from lib.cache import AtomicRedisCache

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


@pytest.fixture
def redis_cache():
    """The Redis cache that CACHE_URL=redis://... sets up (leads_dashboard/settings.py)."""
    url = throwaway_server_url("TEST_REDIS_URL", "scripts/with-redis")
    redis_cache = AtomicRedisCache(url, {"KEY_PREFIX": "test-cache"})
    yield redis_cache
    redis_cache.clear()


def test_redis_adds_atomically_and_keeps_the_expiry(redis_cache):
    redis_cache.set("counter", 5, timeout=600)
    assert redis_cache.incr("counter", 3) == 8
    assert redis_cache.decr("counter") == 7
    assert redis_cache.get("counter") == 7
    client = redis_cache._cache.get_client("counter")
    assert 0 < client.ttl(redis_cache.make_and_validate_key("counter")) <= 600


def test_redis_does_not_bring_back_a_counter_that_expires_meanwhile(redis_cache, monkeypatch):
    redis_cache.set("counter", 5, timeout=600)
    client = type(redis_cache._cache.get_client("counter"))
    exists, run = client.exists, client.eval

    def exists_then_expires(self, *keys):  # Django's incr(): the check, then the key expires
        found = exists(self, *keys)
        self.delete(*keys)
        return found

    def expires_then_runs(self, script, numkeys, *args):  # here: the key expires, then the script
        self.delete(args[0])
        return run(self, script, numkeys, *args)

    monkeypatch.setattr(client, "exists", exists_then_expires)
    monkeypatch.setattr(client, "eval", expires_then_runs)
    with pytest.raises(ValueError):
        redis_cache.incr("counter")
    assert redis_cache.get("counter") is None  # not back as 1
