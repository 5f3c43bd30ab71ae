"""Settings for Leads Dashboard, read from the environment (and an optional .env file).

Every variable is documented in docs/configuration.md. The defaults give a working development
setup on SQLite with DEBUG=true and nothing else; production sets SECRET_KEY (required once DEBUG
is off), ALLOWED_HOSTS and HTTPS=true.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

BOOLEANS = {"true": True, "1": True, "yes": True, "on": True}
BOOLEANS |= {"false": False, "0": False, "no": False, "off": False}


def envbool(name, default):
    """The variable as a boolean. A value that is not one of BOOLEANS stops the start: django-
    environ reads `HTTPS=ture` as false, and a typo must not turn a protection off."""
    value = env.str(name, default="").strip().lower()
    if not value:
        return default
    if value not in BOOLEANS:
        raise ImproperlyConfigured(
            f"{name}={env.str(name)!r} is not a boolean: "
            "use true or false (or 1/0, yes/no, on/off)."
        )
    return BOOLEANS[value]


def envint(name, default):
    """The variable as a whole number, 0 or more. Anything else stops the start with an error
    that names the variable (django-environ's own is a bare ValueError traceback)."""
    value = env.str(name, default="").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit():
        raise ImproperlyConfigured(
            f"{name}={env.str(name)!r} is not a whole number: use digits only, such as {default}."
        )
    return int(value)


DEBUG = envbool("DEBUG", default=False)
# With DEBUG on, a key fit only for development; with it off, nothing: a site signing sessions
# and password-reset links with a key published in this file would be open to anyone.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DEBUG off, set it to 50 or more random characters "
            "(environment or .env; see docs/configuration.md), or set DEBUG=true for development."
        )
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before whitenoise and staticfiles, whose `runserver` leads/management/commands/ extends.
    "leads",
    # One app per audience, with no models: their views, forms, urls, templates and tests.
    "intake",
    "attorneys",
    "api",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_ratelimit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY) on every response but static
    # files (WhiteNoise answers those above).
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on every answer that sets none (they hold personal data).
    "lib.middleware.NeverCacheMiddleware",
    # GET /healthz for load balancers, answered before CommonMiddleware checks ALLOWED_HOSTS (a
    # probe names the host by its address): see leads/health.py.
    "leads.health.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lib.middleware.RejectNullCharactersMiddleware",
    # Before the CSRF check, which reads the body of every form POST.
    "lib.middleware.RefuseOversizedBodiesMiddleware",
    "lib.middleware.RefuseNonUtf8FormsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lib.middleware.RefuseMalformedAdminSelectionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "lib.middleware.StorageUnavailableMiddleware",
]

ROOT_URLCONF = "leads_dashboard.urls"
WSGI_APPLICATION = "leads_dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lib.context_processors.site",
            ],
        },
    },
]

# Widget templates may be overridden in templates/ (see leads.forms.CVInput).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"sqlite:///{env.path('SQLITE_PATH', default=BASE_DIR / 'db.sqlite3')}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write at once: WAL lets readers run beside the writer, IMMEDIATE
    # takes the write lock at BEGIN (so a writer waits instead of failing mid-transaction with
    # "database is locked"), and the timeout says how long it waits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_TIMEOUT", 20),
        # secure_delete: erased rows are overwritten with zeros, not left in free pages
        # (lifecycle.erase_lead() also checkpoints the write-ahead log).
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            "PRAGMA secure_delete=ON"
        ),
    }
# Reuse each worker's connection across requests instead of opening (and, on SQLite, re-running
# the PRAGMAs) for every request.
DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the intake rate-limit counters, so it must be shared by all workers. The
# default keeps them in the database (no extra server); CACHE_URL picks Redis or Memcached.
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        # Counters that a change adjusts must not come back from expiry: see lib/cache.py.
        CACHES["default"]["BACKEND"] = "lib.cache.AtomicRedisCache"
else:
    CACHES = {
        "default": {
            "BACKEND": "lib.cache.AtomicDatabaseCache",
            "LOCATION": "cache_entries",
            # Django culls a third of the entries past 300, in key order, lead counters first:
            # room for the rate-limit windows of many clients (a row each) keeps them.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Each worker's own memory: the permission sets of lib.auth_backends.CachedPermissionsBackend.
CACHES["permissions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "permissions",
}
# django_ratelimit only knows memcached and django-redis as atomic; AtomicDatabaseCache makes
# incr() atomic itself (see lib/cache.py) and Django's RedisCache increments atomically.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# Background tasks (leads/tasks.py: the emails of a new lead, reading a CV's words) on Django's
# Tasks API, through the django-tasks backport. By default they are queued in the database (no
# extra server); TASKS_URL=redis://... queues them in Redis, for several app hosts. Either way
# `manage.py worker` runs them. CVs are read from a queue of their own ("cvs", the Procfile's
# `cvreader`), so that slow or hostile files never hold up the emails ("default", `worker`).
TASK_QUEUES = ["default", "cvs"]
TASKS_URL = env.str("TASKS_URL", default="")
if TASKS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {queue: {"URL": TASKS_URL} for queue in TASK_QUEUES}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# leads/tasks_rq.py: a job whose worker died runs again, as on the database queue.
RQ = {
    "JOB_CLASS": "leads.tasks_rq.Job",
    "QUEUE_CLASS": "leads.tasks_rq.Queue",
    "WORKER_CLASS": "leads.tasks_rq.Worker",
}
# django-rq's pages show jobs' arguments and tracebacks: leads/admin.py registers them for
# superusers only, instead of for every staff user.
RQ_SHOW_ADMIN_LINK = False
# A failed task is tried again after TASK_RETRY_SECONDS, then 4 times longer each time, up to
# TASK_MAX_ATTEMPTS attempts in all (by default 30 s, 2 min, 8 min, 32 min: a mail server down
# for most of an hour loses nothing).
TASK_MAX_ATTEMPTS = envint("TASK_MAX_ATTEMPTS", 5)
TASK_RETRY_SECONDS = envint("TASK_RETRY_SECONDS", 30)
# A worker says it is alive every third of TASK_LEASE_SECONDS; a task still running when its
# worker has been silent that long (killed, out of memory, its host lost) is queued again.
TASK_LEASE_SECONDS = envint("TASK_LEASE_SECONDS", 60)

# Accepted intake submissions (the public form and anonymous POST /create) allowed per client
# IP, as "count/period" (s, m, h, d); a submission with a mistake in it does not count. Empty
# disables the limit.
INTAKE_RATE_LIMIT = env.str("INTAKE_RATE_LIMIT", default="5/m")
# Every intake POST, accepted or not, counts toward this looser limit (per client IP), so that
# nobody can make the site validate uploads without end. Empty disables it.
INTAKE_FLOOD_LIMIT = env.str("INTAKE_FLOOD_LIMIT", default="20/m")
# CVs held for a refused public-form post's next try (leads/cvs/held.py): at most this many
# per client, and this many MB in all; beyond, the prospect chooses the file again.
HELD_CV_LIMIT = env.str("HELD_CV_LIMIT", default="5/h")
HELD_CV_MAX_MB = envint("HELD_CV_MAX_MB", 200)
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the default) means
# the client IP is REMOTE_ADDR and the header is ignored, so it cannot be forged.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Pending leads older than this many days are flagged "needs attention".
STALE_LEAD_DAYS = envint("STALE_LEAD_DAYS", 7)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed passwords for one username
# from one client IP, that pair is locked out for AXES_COOLOFF_MINUTES, with a 429 page.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lib.auth_backends.CachedPermissionsBackend",
]
# How long a worker may keep using a user's permission set (see lib/auth_backends.py).
PERMISSIONS_CACHE_SECONDS = envint("PERMISSIONS_CACHE_SECONDS", 30)
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "lib.client_ip.axes_client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "attorneys:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` puts the files that whitenoise serves when DEBUG is off.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# CVs are personal data: they live outside any public URL (base_url None) and are served only
# by the permission-checked attorneys:lead_cv view.
CV_ROOT = env.path("CV_ROOT", default=BASE_DIR / "private_media")
CV_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(CV_ROOT), "base_url": None},
}
# With CV_BUCKET, CVs live in S3-compatible object storage instead (AWS S3, MinIO, R2...), so
# that every app host serves every CV. The keys are boto3's usual AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or an instance role): read from the environment, never from here.
CV_BUCKET = env.str("CV_BUCKET", default="")
if CV_BUCKET:
    CV_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CV_BUCKET,
            "endpoint_url": env.str("CV_BUCKET_ENDPOINT_URL", default="") or None,
            "region_name": env.str("CV_BUCKET_REGION", default="") or None,
            # No ACL on upload: objects take the bucket's, private unless someone opened it. An
            # explicit "private" is refused by buckets that have ACLs turned off (AWS's default).
            "default_acl": None,
            # A name already taken gets a suffix rather than replacing another prospect's CV.
            "file_overwrite": False,
            # The views stream CVs, so nothing links to an object; should anything ever ask for
            # a URL, it is signed and expires in a minute.
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "cvs": CV_STORAGE,
    # Production serves hashed, compressed files built by `collectstatic` (make serve does it).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
CV_MAX_SIZE = 5 * 1024 * 1024
# Retention: leads older than this many days that never moved past Pending are erased by
# `manage.py purge_leads` (run it from cron). Off (0) by default. See docs/guide.md, "Retention".
LEAD_RETENTION_DAYS = envint("LEAD_RETENTION_DAYS", 0)
# Request bodies beyond this are refused before they are read (a 5 MB CV plus the form fields):
# see lib.middleware.RefuseOversizedBodiesMiddleware and api/parsers.py.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440

# Mail: console backend unless EMAIL_URL names an SMTP server (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Leads Dashboard <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
ATTORNEY_EMAIL = env.str("ATTORNEY_EMAIL", default="attorneys@localhost")
FIRM_NAME = env.str("FIRM_NAME", default="Example Immigration Law")
# The thank-you page: when the firm answers ("within two business days"), and how a prospect
# reaches it meanwhile (a phone number, an address; empty: not shown).
FIRM_RESPONSE_TIME = env.str("FIRM_RESPONSE_TIME", default="within two business days")
FIRM_CONTACT = env.str("FIRM_CONTACT", default="")

# HTTPS=true for production behind TLS: redirect to HTTPS, secure cookies, HSTS.
HTTPS = envbool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
# A load balancer's health probe may come over plain HTTP, inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if envbool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp's CSPMiddleware): browsers load scripts, styles, images and
# fonts only from this site (static/, the admin's and drf-spectacular-sidecar's files) and run no
# inline script or style, so markup slipped into a page (a lead's name, a note) cannot run. No
# page needs more: the API docs view alone adds its inline <style> by hash and data: images
# (leads_dashboard/urls.py). object-src, base-uri, form-action and frame-ancestors do not fall
# back to default-src: no page embeds plugins or sets a <base>, forms post only here, and no site
# may frame these pages (as X_FRAME_OPTIONS tells browsers that predate CSP).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; lockouts are still logged as warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# The JSON API (api/; docs/api.md). Tokens come first so that an anonymous
# request gets a 401 with `WWW-Authenticate: Token`; sessions are for attorneys signed in to the
# pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Leads Dashboard API",
    "DESCRIPTION": "Submit leads, and let attorneys list, read and update them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "PREPROCESSING_HOOKS": ["api.schema.drop_trailing_slash_twins"],
}

# `python manage.py test` hands over to pytest (with leads_dashboard/test_settings.py), so both
# commands run the same suite.
TEST_RUNNER = "leads.tests.runner.PytestTestRunner"
