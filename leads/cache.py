from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class AtomicDatabaseCache(DatabaseCache):
    """Django's database cache with an atomic incr(), so rate-limit counters shared by several
    gunicorn workers do not lose increments.

    Django's incr() is a get() then a set(). Here both run in one transaction that holds the
    write lock: on SQLite the IMMEDIATE transaction mode takes it at BEGIN; on PostgreSQL the
    row is locked with SELECT ... FOR UPDATE first.
    """

    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)
