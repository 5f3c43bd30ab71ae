"""Backups (`manage.py backup DEST`, `manage.py restore SRC`): a consistent copy of the database,
taken while the app runs, and the CV files, in one private folder; and their way back into an
empty install.

A backup folder holds `database.sqlite3` (SQLite's online backup API: a snapshot of committed
data, the writers carrying on) or `database.pgdump` (pg_dump's custom format, taken in an
exported snapshot), `cvs/` (every file of the CV storage, read through the storage API, so a
local folder and a bucket alike) and `manifest.json`, written last: a folder without one is a
backup cut short, and restore refuses it. The manifest's counts are read from the snapshot
itself, so that restore can check what it brought back.

Written on the standard library rather than django-dbbackup 5.4.0, which backs up media from
STORAGES["default"] only (not our "cvs") and restores SQLite by writing over the database file
under the running app (docs/architecture.md, Hand-rolled pieces)."""

import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from pathlib import Path, PurePosixPath

import django
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from leads import dashboard
from leads.cvs.storage import cvs
from leads.models import Lead, Note

FORMAT = 1
MANIFEST = "manifest.json"
CV_FOLDER = "cvs"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
COUNTED = {"leads": Lead, "notes": Note}


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why and what to do."""


def back_up(dest):
    """Write a backup of the database and the CV storage into the folder `dest` (new or empty);
    return its manifest."""
    dest = Path(dest)
    connection = connections.create_connection(DEFAULT_DB_ALIAS)
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    _make_private_folder(dest)
    database_file = dest / DATABASE_FILES[connection.vendor]
    try:
        if connection.vendor == "sqlite":
            database = _dump_sqlite(connection, database_file)
        else:
            database = _dump_postgresql(connection, database_file)
    finally:
        connection.close()
    # After the database: a CV the backed-up database names is missing only if it was
    # replaced or erased meanwhile.
    cv_files, cv_bytes = _copy_cvs_out(dest / CV_FOLDER)
    database["counts"]["cv_files"] = cv_files
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        **database,
        "cv_bytes": cv_bytes,
    }
    with _private_file(dest / MANIFEST) as file:
        file.write(json.dumps(manifest, indent=2, sort_keys=True).encode())
    return manifest


def restore(src, *, force=False):
    """Bring the backup in the folder `src` back: the database (replaced as a whole) and then
    the CV files. Refused, with nothing changed, unless the install holds no lead and no CV
    file, or `force`. Returns the manifest and the migrations still to apply."""
    src = Path(src)
    manifest = _read_manifest(src)
    connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        _check_restorable(src, manifest, connection, force)
        database_file = src / DATABASE_FILES[connection.vendor]
        if connection.vendor == "sqlite":
            _load_sqlite(connection, database_file)
        else:
            _load_postgresql(connection, database_file)
    finally:
        connection.close()
    _check_counts(manifest)
    _copy_cvs_in(src / CV_FOLDER)
    # The cache still holds the dashboard's numbers of the install the backup replaced.
    dashboard.forget()
    return manifest, _unapplied_migrations()


# The database: SQLite.


def _dump_sqlite(connection, path):
    connection.ensure_connection()
    with _private_file(path):
        pass  # an empty file is an empty SQLite database, created private
    with closing(sqlite3.connect(path)) as target:
        # One step (pages=-1): the whole database as of one read transaction.
        connection.connection.backup(target)
        return {"vendor": "sqlite", **_facts(target.cursor())}


def _load_sqlite(connection, path):
    connection.ensure_connection()
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as source:
        # Through the live database's own connection, in one write transaction: the app's other
        # connections see the old database or the restored one, and its WAL stays right (a copy
        # over the file would not).
        source.backup(connection.connection)


# The database: PostgreSQL.


def _dump_postgresql(connection, path):
    connection.ensure_connection()
    connection.set_autocommit(False)
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        with _private_file(path):
            pass  # pg_dump writes into it, keeping its mode
        # pg_dump reads the snapshot this transaction exported, so the counts below (read in it
        # too) are the dump's.
        _run_pg(
            connection, "pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={path}"]
        )
        facts = _facts(cursor)
    connection.rollback()
    return {
        "vendor": "postgresql",
        "server_version": connection.pg_version,
        "pg_dump": _pg_version("pg_dump"),
        **facts,
    }


def _load_postgresql(connection, path):
    if not connection.settings_dict["NAME"]:
        raise BackupError("Restoring needs the database's name in DATABASE_URL.")
    # One transaction: a restore that fails leaves the database as it was.
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname"]
    _run_pg(connection, "pg_restore", options, path)


def _run_pg(connection, program, options, *files):
    # Django's own psql arguments: host, port, user and database on the command line, the
    # password (and TLS options) in the environment, never in the process list.
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, options)
    command = [_pg_program(program), *args[1:], *map(str, files)]
    result = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def _pg_program(program):
    found = shutil.which(program)
    if not found:
        raise BackupError(
            f"{program} not found: install the PostgreSQL client of the server's version "
            "(Debian: postgresql-client)."
        )
    return found


def _pg_version(program):
    return subprocess.run(
        [_pg_program(program), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


# What the manifest says of the database, read from the snapshot.


def _facts(cursor):
    counts = {}
    for name, model in COUNTED.items():
        cursor.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"')
        counts[name] = cursor.fetchone()[0]
    cursor.execute('SELECT "app", "name" FROM "django_migrations" ORDER BY "app", "name"')
    migrations = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    return {"counts": counts, "migrations": migrations}


# Restore's checks, all made before anything changes.


def _read_manifest(src):
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{src} holds no {MANIFEST}: not a backup, or one cut short. Nothing was changed."
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src} is a backup of another format ({manifest.get('format')}).")
    return manifest


def _check_restorable(src, manifest, connection, force):
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"{src} is a backup of a {manifest['vendor']} database; this install runs on "
            f"{connection.vendor}. Nothing was changed."
        )
    if not (src / DATABASE_FILES[connection.vendor]).is_file():
        raise BackupError(f"{src} has lost its {DATABASE_FILES[connection.vendor]}.")
    found = sum(1 for path in (src / CV_FOLDER).rglob("*") if path.is_file())
    if found != manifest["counts"]["cv_files"]:
        raise BackupError(
            f"{src} holds {found} CV files; its manifest says {manifest['counts']['cv_files']}."
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            "The backup was made by a newer version of the app (migrations "
            f"{', '.join(unknown)}): restore it with that version. Nothing was changed."
        )
    if not force and (_holds_leads() or next(_cv_names(), None) is not None):
        raise BackupError(
            "This install already holds leads or CV files: restore replaces the whole database. "
            "Restore into an empty install, or add --force to replace them. Nothing was changed."
        )


def _unknown_migrations(applied):
    """The backup's migrations of this code's apps that this code does not have."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    in_backup = {(app, name) for app, names in applied.items() for name in names}
    unknown = {
        key for key in in_backup - set(loader.disk_migrations) if key[0] in loader.migrated_apps
    }
    return sorted(".".join(key) for key in unknown)


def _unapplied_migrations():
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _holds_leads():
    try:
        return Lead.objects.exists()
    except DatabaseError:
        return False  # no tables yet: a database that was never migrated is empty


def _check_counts(manifest):
    for name, model in COUNTED.items():
        restored, expected = model.objects.count(), manifest["counts"][name]
        if restored != expected:
            raise BackupError(f"The restored database holds {restored} {name}, not {expected}.")


# The CV files.


def _cv_names(folder=""):
    """Every file name in the CV storage, through its API (folders of a local storage, prefixes
    of a bucket)."""
    try:
        folders, files = cvs.listdir(folder)
    except FileNotFoundError:
        return  # a local CV folder that nothing was saved into yet
    for name in files:
        yield posixpath.join(folder, name)
    for subfolder in folders:
        yield from _cv_names(posixpath.join(folder, subfolder))


def _copy_cvs_out(folder):
    files = size = 0
    for name in _cv_names():
        path = folder / _safe_relative(name)
        _make_private_folders(folder, path.parent)
        with cvs.open(name, "rb") as source, _private_file(path) as target:
            shutil.copyfileobj(source, target)
            size += target.tell()
        files += 1
    return files, size


def _copy_cvs_in(folder):
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if cvs.exists(name):
            cvs.delete(name)  # --force: the backup's file takes the name the database has
        with path.open("rb") as file:
            saved = cvs.save(name, File(file))
        if saved != name:
            raise BackupError(f"The CV storage stored {name} as {saved}.")


def _safe_relative(name):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The CV storage listed a file outside itself: {name!r}.")
    return Path(*path.parts)


# Private files: a backup holds personal data.


def _make_private_folder(dest):
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new folder.")
    dest.chmod(0o700)


def _make_private_folders(top, folder):
    # One by one: mkdir(parents=True) would create the parents with the umask's mode.
    for path in [*reversed(folder.relative_to(top).parents), folder.relative_to(top)]:
        (top / path).mkdir(mode=0o700, exist_ok=True)


@contextmanager
def _private_file(path):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        yield file
