"""manage.py backup and restore (leads/backups.py): leads, notes and CV files come back into an
emptied install; a backup is private; restore does not write over an install in use."""

import json
import stat
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLConnection

from leads import backups
from leads.cvs.storage import cvs
from leads.models import Lead, Note
from leads.tests.factories import AttorneyFactory, LeadFactory
from leads.tests.files import PDF, pdf_upload

# pg_dump and SQLite's backup read what is committed, from another connection.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stored(db):
    """Leads with notes and CV files, and what a restore must bring back."""
    attorney = AttorneyFactory()
    for number in range(3):
        lead = LeadFactory(cv=pdf_upload(f"cv{number}.pdf", PDF + b"%% cv %d" % number))
        Note.objects.create(lead=lead, author=attorney, body=f"Called back ({number})")
    LeadFactory()  # no CV, no note
    return held()


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "backups" / "tonight"


def held():
    """The leads, notes and CV files (their bytes, as on disk) the install holds."""
    root = Path(cvs.location)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return {
        "leads": sorted(Lead.objects.values_list("id", "email", "first_name", "cv", "state")),
        "notes": sorted(Note.objects.values_list("id", "lead_id", "author__username", "body")),
        "cvs": {p.relative_to(root).as_posix(): p.read_bytes() for p in files},
    }


def empty_the_install():
    """As if on a new disk: a migrated, empty database and an empty CV storage."""
    call_command("flush", interactive=False, verbosity=0)
    for name in held()["cvs"]:
        cvs.delete(name)
    assert held() == {"leads": [], "notes": [], "cvs": {}}


def test_it_brings_back_every_lead_note_and_cv(stored, dest):
    call_command("backup", str(dest), verbosity=0)
    empty_the_install()

    call_command("restore", str(dest), verbosity=0)

    assert held() == stored
    assert len(stored["leads"]) == 4 and len(stored["notes"]) == 3 and len(stored["cvs"]) == 3


def test_it_writes_a_manifest_of_what_it_holds(stored, dest):
    call_command("backup", str(dest), verbosity=0)

    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["counts"] == {"leads": 4, "notes": 3, "cv_files": 3}
    assert "0001_initial" in manifest["migrations"]["leads"]


def test_its_files_are_private(stored, dest):
    call_command("backup", str(dest), verbosity=0)

    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    files = [p for p in dest.rglob("*") if p.is_file()]
    assert len(files) == 5  # the database, the manifest, three CVs
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    folders = [p for p in dest.rglob("*") if p.is_dir()]
    assert {stat.S_IMODE(p.stat().st_mode) & 0o077 for p in folders} == {0}


def test_it_refuses_a_folder_that_is_not_empty(stored, dest):
    dest.mkdir(parents=True)
    (dest / "other.txt").write_text("something else")

    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(dest), verbosity=0)


def test_it_refuses_to_restore_into_an_install_with_leads(stored, dest):
    call_command("backup", str(dest), verbosity=0)
    LeadFactory(cv=pdf_upload("later.pdf"))
    before = held()

    with pytest.raises(CommandError, match="already holds leads"):
        call_command("restore", str(dest), verbosity=0)

    assert held() == before


def test_it_replaces_an_install_in_use_with_force(stored, dest):
    call_command("backup", str(dest), verbosity=0)
    later = LeadFactory(cv=pdf_upload("later.pdf"))

    call_command("restore", str(dest), "--force", verbosity=0)

    now = held()
    assert now["leads"] == stored["leads"] and now["notes"] == stored["notes"]
    # The files of the backup are back; a file it does not know stays (--force's help says so).
    assert now["cvs"] == {**stored["cvs"], later.cv.name: PDF}


def test_it_refuses_a_backup_cut_short(stored, dest):
    call_command("backup", str(dest), verbosity=0)
    (dest / "manifest.json").unlink()
    empty_the_install()

    with pytest.raises(CommandError, match="holds no manifest.json"):
        call_command("restore", str(dest), verbosity=0)

    assert held() == {"leads": [], "notes": [], "cvs": {}}


def test_it_backs_up_and_restores_a_bucket(bucket, dest):
    for number in range(2):
        LeadFactory(cv=pdf_upload(f"cv{number}.pdf", PDF + b"%% in the bucket %d" % number))
    LeadFactory(cv=pdf_upload("held.pdf")).delete()  # erased: nothing of it stays to back up
    in_bucket = {key: bucket.read(key) for key in bucket.keys()}
    leads = sorted(Lead.objects.values_list("id", "cv"))
    assert len(in_bucket) == 2 and sorted(in_bucket) == sorted(cv for _, cv in leads)

    call_command("backup", str(dest), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    for key in bucket.keys():
        bucket.client.delete_object(Bucket=bucket.name, Key=key)
    call_command("restore", str(dest), verbosity=0)

    assert sorted(Lead.objects.values_list("id", "cv")) == leads
    assert {key: bucket.read(key) for key in bucket.keys()} == in_bucket


def test_it_gives_pg_dump_the_password_in_its_environment_only(monkeypatch):
    # Any user of the host reads a command's arguments (`ps`); its environment is private.
    connection = PostgreSQLConnection(
        {
            "NAME": "leads",
            "USER": "firm",
            "PASSWORD": "pw-s3cret",
            "HOST": "db",
            "PORT": 5432,
            "OPTIONS": {},
        }
    )
    runs = []

    def run(command, env, **kwargs):
        runs.append((command, env))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(backups.subprocess, "run", run)
    monkeypatch.setattr(backups.shutil, "which", lambda program: f"/usr/bin/{program}")

    backups._run_pg(connection, "pg_dump", ["--format=custom"])

    [(command, env)] = runs
    assert command[0] == "/usr/bin/pg_dump" and command[-1] == "leads"
    assert not any("pw-s3cret" in arg for arg in command)
    assert env["PGPASSWORD"] == "pw-s3cret"
