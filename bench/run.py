"""Load benchmark: the project under gunicorn against a bare-WSGI baseline, measured with wrk.

    make bench                      # or: .venv/bin/python bench/run.py --duration 10

Starts each app under gunicorn (2 workers, production settings, a fresh SQLite file), warms up,
then measures each scenario with wrk (Debian's wrk package): requests per second, median and p99
latency, errors (non-2xx responses and socket errors), and the peak resident memory of a worker.
Some scenarios also run the task worker (`manage.py worker`) beside the app, with a mail server
that hangs or a local SMTP sink started here. See bench/README.md for the scenarios, the targets
and recorded results.

    .venv/bin/python bench/run.py --only intake,mail-hang,hostile-pdf,drain   # the newer ones
"""

import argparse
import io
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))

SESSION_SNIPPET = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
call_command("create_attorney", "bench@firm.example", "--no-input", stdout=open("/dev/null", "w"))
client = Client()
client.force_login(get_user_model().objects.get(username="bench@firm.example"))
print(client.cookies["sessionid"].value)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving `app` with 2 sync workers on a free port."""

    def __init__(self, app, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                GUNICORN,
                app,
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/get/1", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # any HTTP answer means the server is up
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"{app} did not start")

    def worker_peak_rss_mb(self):
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        peaks = []
        for pid in children.read_text().split():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024)
        return max(peaks, default=0.0)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


class Worker:
    """`manage.py worker --queue QUEUE`, polling (not --burst), as the Procfile runs it (`worker`
    for the emails' queue `default`, `cvreader` for `cvs`), its output in `log_path`."""

    # SIGTERM lets the worker finish the task it is running: an email waits at most
    # EMAIL_TIMEOUT (10 s here) for the mail server, a CV is read for at most 10 s.
    STOP_SECONDS = 15

    def __init__(self, env, log_path, queue):
        self.log_path = log_path
        with open(log_path, "w") as log:
            # Its own process group, so that stop() can also end a CV reader it started.
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "worker", "--queue", queue],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_running(self):
        """A worker that died (a settings error, say) would make the scenario measure nothing."""
        if self.process.poll() is not None:
            tail = "".join(Path(self.log_path).read_text().splitlines(True)[-20:])
            raise RuntimeError(f"the worker exited with {self.process.returncode}:\n{tail}")

    def stop(self):
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=self.STOP_SECONDS)
        except subprocess.TimeoutExpired:
            print(f"  the worker did not stop within {self.STOP_SECONDS} s: killed", flush=True)
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


class SilentMailServer:
    """A mail server that hangs: it accepts connections, holds them open and never answers, so
    the SMTP client waits EMAIL_TIMEOUT for a greeting that never comes."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.socket.settimeout(0.2)  # so that the thread sees stop() soon
        self.port = self.socket.getsockname()[1]
        self.connections = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)  # never read from, never written to

    def stop(self):
        self.stopping.set()
        self.thread.join()
        for connection in self.connections:
            connection.close()
        self.socket.close()


class MailSink:
    """An SMTP server (aiosmtpd, a thread of this process) that counts the messages it gets."""

    def __init__(self):
        from aiosmtpd.controller import Controller  # a dev requirement, as is this bench

        self.received = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 Message accepted for delivery"

    def stop(self):
        self.controller.stop()


class Uploaders:
    """Client threads that keep submitting the intake (multipart POST /create, anonymous), each
    with a unique email and the same CV file, one request at a time per thread. Every answer is
    kept with the time it came, so that the ones during a measurement can be counted."""

    def __init__(self, url, filename, content, threads=2):
        self.url = url
        self.filename = filename
        self.content = content
        self.answers = []  # (time.monotonic() of the answer, HTTP status or None)
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._upload, args=(number,), daemon=True)
            for number in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def _upload(self, number):
        stamp = time.time_ns()
        count = 0
        while not self.stopping.is_set():
            count += 1
            fields = {
                "FIRST_NAME": "Hostile",
                "LAST_NAME": "Upload",
                "EMAIL": f"hostile-{stamp}-{number}-{count}@example.com",
                "RESUME": "A benchmark lead with a crafted PDF.",
            }
            body, content_type = multipart(fields, "CV", self.filename, self.content)
            request = urllib.request.Request(
                self.url + "/create", data=body, headers={"Content-Type": content_type}
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = None  # refused, reset or timed out
            self.answers.append((time.monotonic(), status))

    def statuses(self, started, ended):
        """How many answers of each status came between `started` and `ended`."""
        return Counter(status for at, status in list(self.answers) if started <= at <= ended)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=90)


def multipart(fields, file_field, filename, content):
    """A multipart/form-data body with `fields` and one file; returns it and its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    body = "".join(parts).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def make_hostile_pdf(pages=20, operators=900_000):
    """An 11 KB PDF that costs pypdf about 10 s a page: its pages share one FlateDecode content
    stream of `operators` empty text-showing operators. The CV reader gives up (is killed) after
    10 s, so each upload is 10 s of the worker's time."""
    content = zlib.compress(b"BT /F1 12 Tf " + b"() Tj " * operators + b"ET", 9)
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R"
        b" /Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *[page] * pages,
    ]
    out = io.BytesIO()
    # Written, not BytesIO's initial value: that leaves the position at 0, and the objects would
    # overwrite the header (a file without "%PDF-" is refused on upload, never read).
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def wrk(url, duration, script=None, headers=(), env=None, connections=8):
    args = ["wrk", "--latency", "-t2", f"-c{connections}", f"-d{duration}s"]
    for header in headers:
        args += ["-H", header]
    if script:
        args += ["-s", str(BENCH / script)]
    output = subprocess.run(
        args + [url], capture_output=True, text=True, check=True, env=env
    ).stdout
    return parse_wrk(output)


def parse_wrk(output):
    def latency_ms(label):
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx[1]) if non_2xx else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": latency_ms("50%"),
        "p99": latency_ms("99%"),
        "errors": errors,
        "requests": int(re.search(r"(\d+) requests in", output)[1]),
    }


def check_answers_200(url, headers):
    """wrk counts redirects as successes: make sure the scenario measures the real page."""
    request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    opener = urllib.request.build_opener(NoRedirect())
    try:
        status = opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise RuntimeError(f"{url} answers {status}, not 200: the scenario would measure nothing")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def manage(env, *args):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def max_id(db_path, table):
    with sqlite3.connect(db_path) as db:
        return db.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 1


def prepare(base_env, db_path):
    """A fresh, migrated SQLite file with 100 leads and an attorney; returns its environment,
    the attorney's token header and session cookie header."""
    env = {**base_env, "SQLITE_PATH": str(db_path)}
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_leads", "100", "--seed", "1")
    session_key = manage(env, "shell", "-c", SESSION_SNIPPET).splitlines()[-1]
    token = manage(env, "create_api_token", "bench@firm.example")
    return env, f"Authorization: Token {token}", f"Cookie: sessionid={session_key}"


# The anonymous scenarios measure the intake, not its limits (every request comes from one IP).
NO_INTAKE_LIMITS = {"INTAKE_RATE_LIMIT": "", "INTAKE_FLOOD_LIMIT": ""}


def fresh_env(base_env, work, name, **settings):
    """A fresh, migrated SQLite file of the scenario's own (so that its leads and queued tasks
    do not disturb the other scenarios), and the environment naming it, with `settings`."""
    env = {**base_env, "SQLITE_PATH": str(work / f"{name}.sqlite3"), **settings}
    manage(env, "migrate", "--noinput", "-v0")
    return env


def sqlite_count(db_path, query, *params):
    with sqlite3.connect(db_path) as db:
        return db.execute(query, params).fetchone()[0]


# Which scenarios `--only` runs, by group.
GROUPS = {
    "api": "1 and 2: POST /create and GET /get/<id>, project, framework floor and baseline",
    "lists": "3 to 6: lists, searches, dashboard and CSV export at 100 and --large leads",
    "intake": "1c: anonymous multipart POST /create with a CV, and the anonymous JSON create",
    "mail-hang": "7: POST /create while the mail server hangs, with the worker running",
    "hostile-pdf": "8: GET / while two clients upload hostile PDFs, with the worker running",
    "drain": "9: the worker sends 1,000 queued emails (500 tasks) to a local SMTP server",
}


def group_list(value):
    groups = [group.strip() for group in value.split(",") if group.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown group(s) {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}"
        )
    return groups


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Groups: " + "; ".join(f"{name} ({what})" for name, what in GROUPS.items()),
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up")
    parser.add_argument("--large", type=int, default=100_000, help="leads for the large runs")
    parser.add_argument(
        "--only",
        type=group_list,
        default=list(GROUPS),
        help="comma-separated scenario groups to run (default: all), e.g. intake,drain",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of scenarios 1 and 2, each running the four apps in turn; the summary "
        "keeps each app's best round (default: 2)",
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (see bench/README.md)")

    work = Path(tempfile.mkdtemp(prefix="leads-bench-"))
    base_env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CV_ROOT": str(work / "cvs"),
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "BASELINE_DB": str(work / "baseline.sqlite3"),
    }
    base_env.pop("DATABASE_URL", None)
    base_env.pop("CACHE_URL", None)
    base_env.pop("TASKS_URL", None)  # the database queue, which the worker scenarios read
    print(f"Preparing {work} ...", flush=True)
    manage(base_env, "collectstatic", "--noinput", "-v0")

    results = []
    exports = []
    background = []  # what the worker scenarios (7, 8, 9) saw besides latency

    def measure(name, server, path, target_name, script=None, headers=(), extra_env=None):
        run_env = {**base_env, **(extra_env or {})}
        if script is None:
            check_answers_200(server.url + path, headers)
        wrk(server.url + path, options.warmup, script, headers, run_env)
        started = time.monotonic()
        result = wrk(server.url + path, options.duration, script, headers, run_env)
        result.update(
            scenario=name,
            target=target_name,
            rss=server.worker_peak_rss_mb(),
            started=started,
            ended=time.monotonic(),
        )
        results.append(result)
        r = result
        print(
            f"  {name:<46} {target_name:<11} {r['rps']:>8.0f} req/s  p50 {r['p50']:>7.1f} ms"
            f"  p99 {r['p99']:>7.1f} ms  errors {r['errors']:>4}  RSS {r['rss']:.0f} MB",
            flush=True,
        )
        return result

    if "api" in options.only:
        # Scenarios 1-2 write into one database of their own.
        env, token_header, _ = prepare(base_env, work / "writes.sqlite3")
        print("Scenarios 1 and 2: project, Django floor and baseline", flush=True)
        floor = "bench.django_floor_app:application"
        apps = [
            ("project", "leads_dashboard.wsgi:application", "leads_lead", env["SQLITE_PATH"], {}),
            ("floor", floor, "leads_lead", env["SQLITE_PATH"], {}),
            ("floor+token", floor, "leads_lead", env["SQLITE_PATH"], {"FLOOR_TOKEN_AUTH": "1"}),
            ("baseline", "bench.baseline_app:application", "lead", env["BASELINE_DB"], {}),
        ]
        # The apps are measured one after the other, and this shared machine's speed drifts
        # over minutes: a ratio of two of them moved by 15% from run to run. Each round
        # measures all four in turn, and the summary keeps each one's best (best_rounds()).
        for round_number, (target_name, app, table, db, app_env) in (
            (number, app) for number in range(1, options.rounds + 1) for app in apps
        ):
            if target_name == "project" and options.rounds > 1:
                print(f"  round {round_number} of {options.rounds}", flush=True)
            server = Server(app, {**env, **app_env})
            try:
                measure(
                    "1. POST /create",
                    server,
                    "/create",
                    target_name,
                    "create.lua",
                    [token_header],
                    {"BENCH_PREFIX": target_name.replace("+", "-")},
                )
                measure(
                    "2. GET /get/<id>",
                    server,
                    "/get/",
                    target_name,
                    "get.lua",
                    [token_header],
                    {"BENCH_MAX_ID": str(max_id(db, table))},
                )
            finally:
                server.stop()

    small = 100
    if "lists" in options.only:
        # Scenarios 3-6 read a database that holds exactly 100 leads, then exactly `--large`.
        list_env, list_token_header, cookie_header = prepare(base_env, work / "lists.sqlite3")

        def list_scenarios(size_label):
            server = Server("leads_dashboard.wsgi:application", list_env)
            try:
                measure(
                    f"3. GET /get at {size_label}",
                    server,
                    "/get",
                    "project",
                    headers=[list_token_header],
                )
                measure(
                    f"3. GET /leads/ at {size_label}",
                    server,
                    "/leads/",
                    "project",
                    headers=[cookie_header],
                )
                # An attorney looks up one prospect by name...
                measure(
                    f"4. GET /get?search at {size_label}",
                    server,
                    "/get?search=amara+okafor",
                    "project",
                    headers=[list_token_header],
                )
                measure(
                    f"4. GET /leads/?q at {size_label}",
                    server,
                    "/leads/?q=amara+okafor",
                    "project",
                    headers=[cookie_header],
                )
                # ... or types one common surname that matches 1 lead in 40 (2,500 at 100,000).
                measure(
                    f"4b. GET /leads/?q=broad at {size_label}",
                    server,
                    "/leads/?q=okafor",
                    "project",
                    headers=[cookie_header],
                )
                measure(
                    f"5. GET /dashboard/ at {size_label}",
                    server,
                    "/dashboard/",
                    "project",
                    headers=[cookie_header],
                )
                exports.append(export_once(server, size_label, cookie_header))
            finally:
                server.stop()

        print(f"Scenarios 3 and 4 at {small} leads", flush=True)
        list_scenarios("small")
        print(f"Seeding up to {options.large} leads ...", flush=True)
        manage(list_env, "seed_leads", str(max(options.large - small, 0)), "--seed", "2")
        print(f"Scenarios 3 and 4 at {options.large} leads", flush=True)
        list_scenarios("large")

    if "intake" in options.only:
        print("Scenario 1c: anonymous intake, JSON and multipart with a CV", flush=True)
        intake_scenarios(measure, base_env, work, results)
    if "mail-hang" in options.only:
        print("Scenario 7: POST /create while the mail server hangs", flush=True)
        background.append(mail_hang_scenario(measure, base_env, work))
    if "hostile-pdf" in options.only:
        print("Scenario 8: GET / while two clients upload hostile PDFs", flush=True)
        background.append(hostile_pdf_scenario(measure, base_env, work))
    drain = None
    if "drain" in options.only:
        print("Scenario 9: the worker sends 1,000 queued emails", flush=True)
        drain = drain_scenario(base_env, work)

    print_summary(best_rounds(results), small, options.large)
    if "api" in options.only and options.rounds > 1:
        print(f"(scenarios 1 and 2: each app's best of {options.rounds} rounds)")
    if exports:
        print_exports(exports, small, options.large)
    if background:
        print_background(background)
    if drain:
        print_drain(drain)
    shutil.rmtree(work, ignore_errors=True)


def intake_scenarios(measure, base_env, work, results):
    """1c: a prospect's submission with a small TXT CV, anonymous as prospects are, so with the
    intake rate limit off (it would answer 429 after 5). The anonymous JSON create runs on the
    same server for comparison; no worker runs, the tasks only queue up."""
    if not any(r["scenario"] == "1. POST /create" and r["target"] == "baseline" for r in results):
        # The ratio is to the baseline's JSON create, measured with scenario 1 when it runs.
        server = Server("bench.baseline_app:application", base_env)
        try:
            measure(
                "1. POST /create",
                server,
                "/create",
                "baseline",
                "create.lua",
                extra_env={"BENCH_PREFIX": "baseline"},
            )
        finally:
            server.stop()
    env = fresh_env(base_env, work, "intake", **NO_INTAKE_LIMITS)
    server = Server("leads_dashboard.wsgi:application", env)
    try:
        measure(
            "1c. POST /create multipart with CV",
            server,
            "/create",
            "anonymous",
            "create_cv.lua",
            extra_env={"BENCH_PREFIX": "anonymous"},
        )
        measure(
            "1. POST /create",
            server,
            "/create",
            "anonymous",
            "create.lua",
            extra_env={"BENCH_PREFIX": "anonymous"},
        )
        measure(
            "1k. POST /create, a known email", server, "/create", "anonymous", "create_known.lua"
        )
    finally:
        server.stop()
    # Every known submission answered 202 and was kept beside the one lead.
    kept = sqlite_count(env["SQLITE_PATH"], "SELECT count(*) FROM leads_resubmission")
    if not kept:
        raise RuntimeError("scenario 1k kept no resubmission: check bench/create_known.lua")
    # A 202 without the file would measure the JSON path again.
    if not sqlite_count(env["SQLITE_PATH"], "SELECT count(*) FROM leads_lead WHERE cv <> ''"):
        raise RuntimeError("scenario 1c stored no CV: check bench/create_cv.lua")


def mail_hang_scenario(measure, base_env, work):
    """7: the worker keeps trying to send the new leads' emails to a mail server that never
    answers (each attempt waits EMAIL_TIMEOUT) while prospects submit (anonymous JSON POST
    /create). Before the emails went to the worker, each request waited for them itself."""
    with ExitStack() as cleanup:
        mail = SilentMailServer()
        cleanup.callback(mail.stop)
        env = fresh_env(
            base_env,
            work,
            "mail-hang",
            EMAIL_URL=f"smtp://127.0.0.1:{mail.port}",
            EMAIL_TIMEOUT="10",
            **NO_INTAKE_LIMITS,
        )
        server = Server("leads_dashboard.wsgi:application", env)
        cleanup.callback(server.stop)
        workers = [Worker(env, work / f"mail-hang-{q}.log", q) for q in ("default", "cvs")]
        for worker in workers:
            cleanup.callback(worker.stop)
        result = measure(
            "7. POST /create while the mail server hangs",
            server,
            "/create",
            "anonymous",
            "create.lua",
            extra_env={"BENCH_PREFIX": "hang"},
        )
        for worker in workers:
            worker.check_running()
        connections = len(mail.connections)
        queued = sqlite_count(
            env["SQLITE_PATH"],
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'",
        )
    return {
        "scenario": result["scenario"],
        "what": (
            f"{connections} connections to the hanging mail server (each an email attempt that "
            f"waited EMAIL_TIMEOUT); {queued} tasks still queued when the measurement ended"
        ),
    }


def hostile_pdf_scenario(measure, base_env, work):
    """8: two clients keep uploading a PDF crafted to keep the CV reader busy until it is killed,
    while the worker reads them, and prospects load the intake form (GET /)."""
    pdf = make_hostile_pdf()
    with ExitStack() as cleanup:
        env = fresh_env(base_env, work, "hostile-pdf", **NO_INTAKE_LIMITS)
        server = Server("leads_dashboard.wsgi:application", env)
        cleanup.callback(server.stop)
        workers = {q: Worker(env, work / f"hostile-pdf-{q}.log", q) for q in ("default", "cvs")}
        for worker in workers.values():
            cleanup.callback(worker.stop)
        uploaders = Uploaders(server.url, "cv.pdf", pdf)
        cleanup.callback(uploaders.stop)
        result = measure("8. GET / while two hostile PDFs are uploaded", server, "/", "project")
        for worker in workers.values():
            worker.check_running()
        uploaders.stop()
        statuses = uploaders.statuses(result["started"], result["ended"])
        for worker in workers.values():
            worker.stop()  # lets it finish (or give up on) the email or CV at hand
        db = env["SQLITE_PATH"]
        # The emails have a worker of their own: they keep flowing behind the hostile files.
        leads = sqlite_count(db, "SELECT count(*) FROM leads_lead")
        mailed = sqlite_count(
            db,
            "SELECT count(DISTINCT lead_id) FROM leads_activity WHERE kind = 'EMAIL_SENT'",
        )
        unreadable = sqlite_count(
            db, "SELECT count(*) FROM leads_activity WHERE kind = 'CV_UNREADABLE'"
        )
        waiting = sqlite_count(
            db,
            "SELECT count(*) FROM django_tasks_database_dbtaskresult"
            " WHERE status = 'READY' AND task_path LIKE '%read_cv'",
        )
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items(), key=str))
    return {
        "scenario": result["scenario"],
        "what": (
            f"{len(pdf) / 1024:.0f} KB PDF; hostile uploads accepted (202) during the measurement:"
            f" {statuses[202]} of {sum(statuses.values())} ({answers}); CV_UNREADABLE recorded by"
            f" the end: {unreadable}; CV readings still queued: {waiting}; leads whose emails were"
            f" sent by the end: {mailed} of {leads}"
        ),
    }


CREATE_LEADS_SNIPPET = """
from leads.models import Activity, Lead
from leads.lifecycle import create_lead
for n in range({count}):
    lead = Lead(first_name="Drain", last_name="Test", email=f"drain-{{n}}@example.com",
                resume="A benchmark lead.")
    create_lead(lead, source=Activity.Source.FORM, site_url="http://127.0.0.1/")
"""


def drain_scenario(base_env, work, leads=500):
    """9: `leads` submissions from the public form queue one task each, for their two emails;
    how long does `manage.py worker --burst` take to send them all to a local SMTP server?"""
    env = fresh_env(base_env, work, "drain")
    db = env["SQLITE_PATH"]
    manage(env, "shell", "-c", CREATE_LEADS_SNIPPET.format(count=leads))
    queued = sqlite_count(
        db, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
    )
    sink = MailSink()
    try:
        worker_env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
        started = time.perf_counter()
        manage(worker_env, "worker", "--burst")
        seconds = time.perf_counter() - started
        # The same command on the empty queue: what of the above is starting Django.
        started = time.perf_counter()
        manage(worker_env, "worker", "--burst")
        startup = time.perf_counter() - started
        received = sink.received
    finally:
        sink.stop()
    done = {
        status: sqlite_count(
            db, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = ?", status
        )
        for status in ("SUCCESSFUL", "FAILED", "READY")
    }
    result = {
        "scenario": f"9. worker sends {received:,} emails ({queued:,} tasks)",
        "tasks": queued,
        "seconds": seconds,
        "startup": startup,
        "received": received,
        "done": done,
    }
    print(
        f"  {result['scenario']:<46} {seconds:.1f} s, {received / seconds:.0f} emails/s, "
        f"{queued / seconds:.0f} tasks/s",
        flush=True,
    )
    return result


def export_once(server, size_label, cookie_header):
    """Download the whole list as CSV once: how long it takes and whether the worker's peak
    memory grows with the number of leads (a streamed export should not)."""
    rss_before = server.worker_peak_rss_mb()
    request = urllib.request.Request(
        server.url + "/leads/export.csv", headers=dict([cookie_header.split(": ", 1)])
    )
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.build_opener(NoRedirect()).open(request, timeout=600) as response:
        if response.status != 200:
            raise RuntimeError(f"the export answers {response.status}, not 200")
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    result = {
        "scenario": f"6. GET /leads/export.csv at {size_label}",
        "seconds": time.perf_counter() - started,
        "mb": size / 1e6,
        "lines": lines,
        "rss_before": rss_before,
        "rss_after": server.worker_peak_rss_mb(),
    }
    print(
        f"  {result['scenario']:<44} {result['seconds']:.1f} s, {result['mb']:.1f} MB, "
        f"peak worker RSS {result['rss_before']:.0f} -> {result['rss_after']:.0f} MB",
        flush=True,
    )
    return result


def print_exports(exports, small, large):
    print()
    print(f"{'export (one download)':<36}{'seconds':>9}{'MB':>8}{'lines':>9}  peak worker RSS")
    for r in exports:
        label = r["scenario"].replace("small", f"{small:,}").replace("large", f"{large:,}")
        print(
            f"{label:<36}{r['seconds']:>9.1f}{r['mb']:>8.1f}{r['lines']:>9}"
            f"  {r['rss_before']:.0f} MB before -> {r['rss_after']:.0f} MB after"
        )


# Targets, each printed with "met" or "MISSED" (from the unrounded value): project/baseline for
# the API (issue 9 for the JSON create: not slower than before the background tasks; issue 4 for
# the read), multipart create with a CV against the baseline's JSON create, p50 large/small for
# the lists and searches (issue 4), p99 of the scenarios with the worker beside the app (issue 9).
API_TARGETS = {"1. POST /create": 0.08, "2. GET /get/<id>": 0.25}
# Issue 13: the project against the framework floor with token authentication, same run.
FLOOR_TOKEN_TARGETS = {"1. POST /create": 0.6, "2. GET /get/<id>": 0.8}
MULTIPART_TARGET, MULTIPART_MOONSHOT = 0.08, 0.15
LARGE_SMALL_TARGET = 2
P99_TARGET_MS = 100
# Issue 10: a known email's answer takes as long as a new one's, within the bench's noise.
KNOWN_EMAIL_TOLERANCE = 0.15


def verdict(met):
    return "met" if met else "MISSED"


def best_rounds(results):
    """`results` with one result per scenario and app: the one of most requests per second,
    in the place of the first."""
    best = {}
    for r in results:
        key = (r["scenario"], r["target"])
        if key not in best or r["rps"] > best[key]["rps"]:
            best[key] = r
    kept = []
    for r in results:
        key = (r["scenario"], r["target"])
        if key in best:
            kept.append(best.pop(key))
    return kept


LIST_TARGET = 0.5


def print_summary(results, small, large):
    by_key = {(r["scenario"], r["target"]): r for r in results}
    print()
    print(
        f"{'scenario':<56}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'RSS MB':>8}  ratio"
    )
    for r in results:
        ratio = ""
        if r["target"] != "baseline" and (r["scenario"], "baseline") in by_key:
            value = r["rps"] / by_key[(r["scenario"], "baseline")]["rps"]
            ratio = f"{r['target']}/baseline {value:.3f}"
            if r["target"] == "project":
                target = API_TARGETS[r["scenario"]]
                ratio += f" (target >= {target}: {verdict(value >= target)})"
                if floor := by_key.get((r["scenario"], "floor+token")):
                    value = r["rps"] / floor["rps"]
                    target = FLOOR_TOKEN_TARGETS[r["scenario"]]
                    ratio += (
                        f"; project/floor+token {value:.2f} (target >= {target}: "
                        f"{verdict(value >= target)})"
                    )
            elif r["target"] == "anonymous":
                ratio += " (no token, rate limit off)"
            else:
                ratio += " (framework alone)"
        elif r["scenario"].startswith("1c.") and ("1. POST /create", "baseline") in by_key:
            value = r["rps"] / by_key[("1. POST /create", "baseline")]["rps"]
            ratio = (
                f"multipart/baseline JSON create {value:.3f} (target >= {MULTIPART_TARGET}: "
                f"{verdict(value >= MULTIPART_TARGET)}; moonshot {MULTIPART_MOONSHOT})"
            )
        elif r["scenario"].startswith("1k.") and ("1. POST /create", "anonymous") in by_key:
            new = by_key[("1. POST /create", "anonymous")]
            p50 = r["p50"] / new["p50"]
            ratio = (
                f"p50 known/new email {p50:.2f}, req/s known/new "
                f"{r['rps'] / new['rps']:.2f} (issue 10 wants ~1, within "
                f"{KNOWN_EMAIL_TOLERANCE:.0%}: {verdict(abs(p50 - 1) <= KNOWN_EMAIL_TOLERANCE)})"
            )
        elif r["scenario"] == "3. GET /get at small" and ("2. GET /get/<id>", "project") in by_key:
            # Issue 24's proxy for the list against the FastAPI peer: the first page of 25 at
            # half the rate of one lead or better.
            one = by_key[("2. GET /get/<id>", "project")]
            value = r["rps"] / one["rps"]
            ratio = (
                f"list/get one {value:.2f} (target >= {LIST_TARGET}: "
                f"{verdict(value >= LIST_TARGET)})"
            )
            if floor := by_key.get(("2. GET /get/<id>", "floor+token")):
                ratio += f"; list/floor+token get one {r['rps'] / floor['rps']:.2f}"
        elif r["scenario"].startswith(("7.", "8.")):
            ratio = f"p99 target < {P99_TARGET_MS} ms: {verdict(r['p99'] < P99_TARGET_MS)}"
        elif r["target"] == "project" and "large" in r["scenario"]:
            small_run = by_key[(r["scenario"].replace("large", "small"), "project")]
            value = r["p50"] / small_run["p50"]
            ratio = f"p50 large/small {value:.2f}"
            # Issue 4's target is for the lists and searches (3 and 4); the dashboard's numbers
            # are shown for information.
            if not r["scenario"].startswith("5."):
                met = value <= LARGE_SMALL_TARGET
                ratio += f" (target <= {LARGE_SMALL_TARGET}: {verdict(met)})"
        label = r["scenario"].replace("small", f"{small:,}").replace("large", f"{large:,}")
        print(
            f"{label + ' [' + r['target'] + ']':<56}{r['rps']:>9.0f}{r['p50']:>9.1f}"
            f"{r['p99']:>9.1f}{r['errors']:>8}{r['rss']:>8.0f}  {ratio}"
        )


def print_background(background):
    print()
    print("worker beside the app")
    for r in background:
        print(f"{r['scenario']}: {r['what']}")


def print_drain(r):
    print()
    print(
        f"{'worker --burst':<36}{'tasks':>7}{'seconds':>9}{'emails/s':>9}"
        f"{'received':>10}  start-up, task results"
    )
    done = ", ".join(f"{n} {status.lower()}" for status, n in r["done"].items())
    rate = r["received"] / r["seconds"]
    print(
        f"{r['scenario']:<36}{r['tasks']:>7}{r['seconds']:>9.1f}{rate:>9.0f}"
        f"{r['received']:>10}  {r['startup']:.1f} s, {done}"
    )


if __name__ == "__main__":
    main()
