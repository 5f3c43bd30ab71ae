import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
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
