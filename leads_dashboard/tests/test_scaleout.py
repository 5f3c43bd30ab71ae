"""Two app hosts, tested: `make test-scaleout` (docs/operations.md, "Several app hosts").

Two gunicorn instances on two ports, each with its own local folders (CVs, static files), share
one PostgreSQL, one Redis (cache and task queue) and one S3 endpoint, with one worker beside
them, set up as the README tells a deployment to. A client talks to each host directly, as a
load balancer would send it to either, with the X-Forwarded-For header a proxy adds.

The servers come from scripts/with-postgres, scripts/with-redis and scripts/with-s3 (their
DATABASE_URL, TEST_REDIS_URL and TEST_S3_ENDPOINT_URL). These tests are left out of `make test`
(pyproject.toml: `-m "not scaleout"`) and run by `make test-scaleout` and CI.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import boto3
import psycopg
import pytest
import redis
import requests

from leads.tests.factories import lead_api_data

pytestmark = pytest.mark.scaleout

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A prospect's address as the proxy in front of both hosts reports it.
PROSPECT_IP = "203.0.113.7"
INTAKE_LIMIT = 6
CV = b"Amara Okafor\nWelder and pipe fitter, Porto shipyards, 2015-2025.\n"


def needed(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run `make test-scaleout` (see README)")
    return value


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    """The shared services, the settings every process gets, and the processes."""

    def __init__(self, work):
        self.work = work
        database_url = needed("DATABASE_URL")
        redis_url = needed("TEST_REDIS_URL").rsplit("/", 1)[0]
        s3_url = needed("TEST_S3_ENDPOINT_URL")

        self.database = f"scaleout_{secrets.token_hex(4)}"
        self.admin_url = database_url
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        for db in (1, 2):
            redis.Redis.from_url(f"{redis_url}/{db}").flushdb()
        self.bucket = f"leads-cvs-{secrets.token_hex(4)}"
        credentials = {"AWS_ACCESS_KEY_ID": "scaleout", "AWS_SECRET_ACCESS_KEY": "scaleout"}
        self.s3 = boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        )
        self.s3.create_bucket(Bucket=self.bucket)

        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))},
            **credentials,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": urllib.parse.urlsplit(database_url)
            ._replace(path=f"/{self.database}")
            .geturl(),
            "CACHE_URL": f"{redis_url}/1",
            "TASKS_URL": f"{redis_url}/2",
            "CV_BUCKET": self.bucket,
            "CV_BUCKET_ENDPOINT_URL": s3_url,
            "CV_BUCKET_REGION": "us-east-1",
            "TRUSTED_PROXY_COUNT": "1",
            "INTAKE_RATE_LIMIT": f"{INTAKE_LIMIT}/d",
            "INTAKE_FLOOD_LIMIT": "",
            "EMAIL_URL": "consolemail://",
        }
        self.processes = []
        self.manage(None, "migrate", "--noinput")
        self.hosts = [self.start_host(name) for name in ("a", "b")]
        self.worker = self.start(None, "worker", [BIN / "python", "manage.py", "worker"])
        for url in self.hosts:
            self.wait_for(url)

    def host_env(self, name):
        """What differs between hosts: their own local folders."""
        if name is None:
            return self.env
        folder = self.work / f"host-{name}"
        return {**self.env, "CV_ROOT": str(folder / "cvs"), "STATIC_ROOT": str(folder / "static")}

    def manage(self, name, *args):
        return subprocess.run(
            [BIN / "python", "manage.py", *args],
            cwd=ROOT,
            env=self.host_env(name),
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self, name, label, command):
        log = open(self.work / f"{label}.log", "w")  # noqa: SIM115 (closed in stop())
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.host_env(name), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((process, log))
        return process

    def start_host(self, name):
        self.manage(name, "collectstatic", "--noinput", "--verbosity", "0")
        port = free_port()
        command = [BIN / "gunicorn", "leads_dashboard.wsgi", "--workers", "2"]
        self.start(name, f"host-{name}", [*command, "--bind", f"127.0.0.1:{port}"])
        return f"http://127.0.0.1:{port}"

    def wait_for(self, url):
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url + "/", timeout=5)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not start: {self.logs()}") from None
                time.sleep(0.2)

    def logs(self):
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}" for path in self.work.glob("*.log")
        )

    def stop(self):
        for process, _log in self.processes:
            process.send_signal(signal.SIGTERM)
        for process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
        bucket = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        for item in bucket:
            self.s3.delete_object(Bucket=self.bucket, Key=item["Key"])
        self.s3.delete_bucket(Bucket=self.bucket)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{self.database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("scaleout"))
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def attorney(deployment):
    """An attorney's session (signed in on host A: sessions are in the shared database) and API
    token."""
    created = deployment.manage(None, "create_attorney", "ana@firm.example", "--no-input")
    password = re.search(r"Password \(shown only this once\): (\S+)", created)[1]
    token = deployment.manage(None, "create_api_token", "ana@firm.example").strip()
    session = requests.Session()
    a = deployment.hosts[0]
    session.get(a + "/accounts/login/")
    answer = session.post(
        a + "/accounts/login/",
        {
            "username": "ana@firm.example",
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    session.token = token
    return session


def api(session, url, path, **params):
    answer = session.get(
        url + path, params=params, headers={"Authorization": f"Token {session.token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def submit(url, email, cv=None, ip=PROSPECT_IP):
    """A prospect's submission through the public API, from `ip` as the proxy forwards it."""
    data = lead_api_data(email=email)
    headers = {"X-Forwarded-For": ip}
    if cv:
        files = {"CV": ("cv.txt", cv, "text/plain")}
        return requests.post(url + "/create", data=data, files=files, headers=headers)
    return requests.post(url + "/create", json=data, headers=headers)


def lead_id(attorney, url, email):
    [lead] = api(attorney, url, "/get", email=email)["results"]
    return lead["LEAD_ID"]


def test_a_cv_sent_to_one_host_is_read_and_downloaded_through_the_other(deployment, attorney):
    a, b = deployment.hosts
    assert submit(a, "amara@example.com", CV).status_code == 202
    pk = lead_id(attorney, b, "amara@example.com")

    download = attorney.get(f"{b}/leads/{pk}/cv/")
    assert download.status_code == 200
    assert download.content == CV
    # Neither host kept it in its own folder: it is in the bucket.
    assert not list((deployment.work / "host-a").glob("cvs/**/*.txt"))
    keys = [o["Key"] for o in deployment.s3.list_objects_v2(Bucket=deployment.bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].endswith(".txt")

    # The worker reads the CV from the bucket: its words become searchable on host B.
    deadline = time.monotonic() + 60
    while not api(attorney, b, "/get", search="shipyards")["count"]:
        assert time.monotonic() < deadline, "the CV's words never became searchable"
        time.sleep(0.5)


def test_the_intake_limit_counts_the_posts_to_both_hosts(deployment):
    a, b = deployment.hosts
    hosts = [a, b] * 5
    answers = [
        submit(url, f"limit{n}@example.com", ip="198.51.100.4").status_code
        for n, url in enumerate(hosts)
    ]
    assert answers == [202] * INTAKE_LIMIT + [429] * (10 - INTAKE_LIMIT)


def test_a_sign_in_lockout_holds_on_both_hosts(deployment):
    a, b = deployment.hosts
    session = requests.Session()
    session.headers["X-Forwarded-For"] = "198.51.100.9"

    def sign_in(url, password):
        session.get(url + "/accounts/login/")
        form = {"username": "ana@firm.example", "password": password}
        form["csrfmiddlewaretoken"] = session.cookies["csrftoken"]
        return session.post(url + "/accounts/login/", form, allow_redirects=False).status_code

    # AXES_FAILURE_LIMIT (5) wrong passwords, sent to either host.
    assert [sign_in(url, "wrong") for url in [a, b, a, b]] == [200] * 4
    assert sign_in(b, "wrong") == 429
    assert sign_in(a, "wrong") == 429


def counts(session, url):
    dashboard = session.get(url + "/dashboard/").text
    cards = re.findall(r'data-state="(\w+)"[^>]*><span class="stat-value">(\d+)<', dashboard)
    page = session.get(url + "/leads/").text
    tabs = re.findall(r'>([\w ]+) <span class="count">(\d+)</span>', page)
    return dict(cards), dict(tabs)


def test_a_lead_reached_out_on_one_host_counts_at_once_on_the_other(deployment, attorney):
    a, b = deployment.hosts
    body = lead_api_data()
    headers = {"Authorization": f"Token {attorney.token}"}
    pk = attorney.post(a + "/create", json=body, headers=headers).json()["LEAD_ID"]
    (cards, tabs) = counts(attorney, b)  # cached on B now
    answer = attorney.post(
        f"{a}/leads/{pk}/state/",
        {"state": "REACHED_OUT", "csrfmiddlewaretoken": attorney.cookies["csrftoken"]},
        headers={"Referer": f"{a}/leads/{pk}/"},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text

    (cards_after, tabs_after) = counts(attorney, b)
    assert int(cards_after["REACHED_OUT"]) == int(cards["REACHED_OUT"]) + 1
    assert int(cards_after["PENDING"]) == int(cards["PENDING"]) - 1
    assert int(tabs_after["Pending"]) == int(tabs["Pending"]) - 1


def test_eight_clients_writing_through_both_hosts_lose_nothing(deployment, attorney):
    hosts = deployment.hosts
    before = api(attorney, hosts[0], "/get")["count"]
    shared = [f"shared{n}@example.com" for n in range(10)]  # every client sends these
    answers = []

    def client(number):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {attorney.token}"
            own = [f"client{number}-{n}@example.com" for n in range(10)]
            for n, email in enumerate(own + shared):
                body = lead_api_data(email=email)
                url = hosts[(number + n) % 2]
                answers.append(session.post(url + "/create", json=body).status_code)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(answers)) == [201, 409]
    assert answers.count(201) == 8 * 10 + 10  # each client's own leads, each shared one once
    assert answers.count(409) == 7 * 10
    assert api(attorney, hosts[1], "/get")["count"] == before + 90
    for email in shared:
        assert api(attorney, hosts[1], "/get", email=email)["count"] == 1
