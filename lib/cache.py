import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction


class AtomicDatabaseCache(DatabaseCache):
    """Django's database cache with an atomic incr(), so that counters shared by several gunicorn
    workers (the rate limits, the counts of leads per state) do not lose increments.

    Django's incr() is a get() then a set(). Here both run in one transaction that holds the
    write lock: on SQLite the IMMEDIATE transaction mode takes it at BEGIN; on PostgreSQL the
    row is locked with SELECT ... FOR UPDATE first. And only the value is written: Django's
    set() would also move the key's expiry to the default timeout (a rate-limit window would
    last 5 minutes, a counter kept without expiry would expire).
    """

    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        made_key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            if connection.features.has_select_for_update:
                cursor.execute(
                    f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE", [made_key]
                )
            value = self.get(key, self._missing_key, version=version)
            if value is self._missing_key:
                raise ValueError(f"Key '{made_key}' not found")
            value += delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET value = %s WHERE cache_key = %s", [pickled, made_key]
            )
        return value


class AtomicRedisCache(RedisCache):
    """Django's Redis cache with an incr() that cannot bring back a key that is gone. Django's
    checks that the key exists, then increments: a key that expired or was deleted in between
    comes back holding only the delta, with no expiry (a count of leads stuck at 1). Here both
    steps are one Lua script, which Redis runs atomically."""

    INCR_IF_EXISTS = (
        "if redis.call('EXISTS', KEYS[1]) == 1 then "
        "return redis.call('INCRBY', KEYS[1], ARGV[1]) end"
    )

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        value = self._cache.get_client(key, write=True).eval(self.INCR_IF_EXISTS, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value
