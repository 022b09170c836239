"""Settings for minsheng.

Defaults are safe for `minsheng serve` on one machine: embedded SQLite (WAL) under ./var/,
DEBUG off, a secret key generated once into the data directory. Environment variables:
MINSHENG_DATA_DIR, DATABASE_URL, MINSHENG_SECRET_KEY, MINSHENG_DEBUG, MINSHENG_ALLOWED_HOSTS,
MINSHENG_CSRF_TRUSTED_ORIGINS, MINSHENG_TASKS_BACKEND, REDIS_URL, MINSHENG_PGBOUNCER_TRANSACTION,
MINSHENG_MIN_FREE_MB, MINSHENG_HEALTH_PROBE_SECONDS, MINSHENG_REPORTER_CODE_MINUTES,
MINSHENG_REPORTER_CODE_PER_DEMAND, MINSHENG_REPORTER_CODE_PER_CLIENT, MINSHENG_IDEMPOTENCY_KEEP_HOURS,
MINSHENG_TRUSTED_PROXIES, MINSHENG_LOGIN_USER_BACKOFF_SECONDS, MINSHENG_TOKEN_DAYS,
MINSHENG_DISTRICT_NAME.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MINSHENG_DATA_DIR", Path.cwd() / "var")).resolve()
# Residents' personal data lives in the data directory (the database, uploaded photos, backups):
# whatever this process creates is readable by its own user only (files 0600, folders 0700), and a
# data directory left open by an older version is closed again.
os.umask(0o077)
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _private(path: Path) -> None:
    try:
        if path.stat().st_mode & 0o1000:  # sticky: a shared folder such as /tmp, never ours to close
            return
        mode = path.stat().st_mode & 0o777
        private = 0o700 if path.is_dir() else 0o600
        if mode & 0o077:
            path.chmod(mode & private)
    except OSError:  # another user's file or a read-only mount: leave it, the umask covers new files
        pass


for _p in (DATA_DIR, DATA_DIR / "media", *DATA_DIR.glob("minsheng.sqlite3*"), DATA_DIR / "secret_key"):
    if _p.exists():
        _private(_p)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("MINSHENG_SECRET_KEY"):
        return key
    # Generated once per data directory, so every worker and restart shares it.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("MINSHENG_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("MINSHENG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("MINSHENG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    # First, so its `createsuperuser` (password rules with --noinput too) replaces Django's.
    "minsheng.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "minsheng.core",
    "minsheng.attachments",
    "minsheng.territory",
    "minsheng.notifications",
    "minsheng.triage",
    "minsheng.demands",
    "minsheng.kpis",
    "minsheng.projects",
    "minsheng.facilities",
    "minsheng.services_activities",
    "minsheng.collection",
    "minsheng.publishing",
    "minsheng.dashboard",
    "minsheng.demo",
    "minsheng.reliability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files get the headers too.
    "minsheng.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minsheng.core.middleware.DefaultChineseLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "minsheng.reliability.middleware.RejectUnstorableInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minsheng.core.middleware.BusyDatabaseMiddleware",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases: embedded SQLite in WAL mode by default, PostgreSQL through DATABASE_URL.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PgBouncer in transaction-pooling mode cannot keep a server-side cursor across statements.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = os.environ.get("MINSHENG_PGBOUNCER_TRANSACTION") == "1"
else:
    DATABASES = {
        "default": {
            # Django's backend with a queue for write transactions (minsheng/core/sqlite);
            # MINSHENG_SQLITE_WRITE_QUEUE=0 leaves SQLite's busy handler alone to order the writers.
            "ENGINE": ("django.db.backends.sqlite3" if os.environ.get("MINSHENG_SQLITE_WRITE_QUEUE") == "0"
                       else "minsheng.core.sqlite"),
            "NAME": DATA_DIR / "minsheng.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; synchronous=NORMAL in WAL mode keeps
                # every committed transaction across a killed process. IMMEDIATE takes the write
                # lock at BEGIN, so a busy database waits (timeout) instead of failing mid-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=30000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # Keep each server thread's connection (and its PRAGMAs) across requests.
            "CONN_MAX_AGE": 600,
            # Tests use a real file too (not shared-cache memory), so locking behaves as in production.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: the database backend by default; with REDIS_URL, RQ on Redis (several workers on
# several machines, `minsheng worker` on each).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "/"

# Internationalisation: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# `minsheng serve` collects static files and sets MINSHENG_SERVE=1: hashed, compressed files with
# far-future caching. Anywhere else (runserver, tests) files come straight from the apps.
_SERVING = _env_bool("MINSHENG_SERVE", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _SERVING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _SERVING

# Security defaults; HTTPS-only cookies when served behind TLS (MINSHENG_HTTPS=1).
_HTTPS = _env_bool("MINSHENG_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

# Login throttling: an address with 4 × this many failures within the window is locked for the window;
# a username with this many failures is held back for MINSHENG_LOGIN_USER_BACKOFF_SECONDS after its latest
# failure (short, so that others cannot keep an account locked out for long).
MINSHENG_LOGIN_MAX_FAILURES = int(os.environ.get("MINSHENG_LOGIN_MAX_FAILURES", "5"))
MINSHENG_LOGIN_WINDOW_SECONDS = int(os.environ.get("MINSHENG_LOGIN_WINDOW_SECONDS", "900"))
MINSHENG_LOGIN_USER_BACKOFF_SECONDS = int(os.environ.get("MINSHENG_LOGIN_USER_BACKOFF_SECONDS", "60"))


def _trusted_proxies(raw: str) -> list[str]:
    entries = [e.strip() for e in raw.split(",") if e.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"MINSHENG_TRUSTED_PROXIES: not an address or CIDR: {entry!r}") from None
    return entries


# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated; default none).
# From any other peer the header is ignored: a client cannot pick its own address.
MINSHENG_TRUSTED_PROXIES = _trusted_proxies(os.environ.get("MINSHENG_TRUSTED_PROXIES", ""))

NINJA_PAGINATION_PER_PAGE = 50
# API bearer tokens stop answering this many days after they were issued (the expiry is stored on the token).
MINSHENG_TOKEN_DAYS = int(os.environ.get("MINSHENG_TOKEN_DAYS", "30"))
# The name of the whole install (the district or city running its towns on it): the dashboard scope
# and KPI scope of a district administrator, whose figures are the sums of the towns'.
MINSHENG_DISTRICT_NAME = os.environ.get("MINSHENG_DISTRICT_NAME", "全区").strip() or "全区"

# Anonymous intake: at most this many demands per address per window; tracking look-ups per hour.
MINSHENG_ANON_INTAKE_LIMIT = int(os.environ.get("MINSHENG_ANON_INTAKE_LIMIT", "20"))
MINSHENG_ANON_INTAKE_WINDOW = int(os.environ.get("MINSHENG_ANON_INTAKE_WINDOW", "3600"))
MINSHENG_TRACK_LIMIT = int(os.environ.get("MINSHENG_TRACK_LIMIT", "60"))
# One-time codes that let a reporter without an account rate a demand (sent by SMS): minutes a code
# stays valid, and codes sent per demand and per client address within an hour.
MINSHENG_REPORTER_CODE_MINUTES = int(os.environ.get("MINSHENG_REPORTER_CODE_MINUTES", "10"))
MINSHENG_REPORTER_CODE_PER_DEMAND = int(os.environ.get("MINSHENG_REPORTER_CODE_PER_DEMAND", "3"))
MINSHENG_REPORTER_CODE_PER_CLIENT = int(os.environ.get("MINSHENG_REPORTER_CODE_PER_CLIENT", "10"))
# Personal data of ended demands is blanked this many days after closing (domain.md §7).
MINSHENG_RETENTION_DAYS = int(os.environ.get("MINSHENG_RETENTION_DAYS", "365"))
# Answers kept for retries of a request with an Idempotency-Key (or /submit/'s form key) are dropped by the
# daily retention job after this many hours.
MINSHENG_IDEMPOTENCY_KEEP_HOURS = int(os.environ.get("MINSHENG_IDEMPOTENCY_KEEP_HOURS", "48"))
# Deadlines by urgency class (domain.md §3), in hours.
MINSHENG_DEADLINES = {
    "contact_hours": {"urgent": 2, "ordinary": 24},
    "completion_hours": {"urgent": 24, "ordinary": 24 * 7, "complex": 24 * 15},
}
# The three rates (domain.md §6): weights are configuration.
MINSHENG_KPI_WEIGHTS = {
    "composite": {"response": 0.30, "resolution": 0.35, "satisfaction": 0.35},
    "partly_resolved": 0.5,
    "basically_satisfied": 0.8,
}
# Triage: below this category confidence a demand waits in the "to classify" queue; duplicates are looked
# for among open demands of the same community received within this many days.
MINSHENG_TRIAGE_MIN_CONFIDENCE = float(os.environ.get("MINSHENG_TRIAGE_MIN_CONFIDENCE", "0.5"))
MINSHENG_DUPLICATE_WINDOW_DAYS = int(os.environ.get("MINSHENG_DUPLICATE_WINDOW_DAYS", "30"))
# PDFs (bulletin, printable forms) embed a subset of this CJK font file (face index for a .ttc); empty: the
# installed Noto Sans CJK SC, else wqy-microhei.
MINSHENG_PDF_FONT = os.environ.get("MINSHENG_PDF_FONT", "")
MINSHENG_PDF_FONT_INDEX = int(os.environ.get("MINSHENG_PDF_FONT_INDEX", "0"))
# /healthz answers 503 when the data directory has less room than this, or the database cannot write;
# the write probe is cached this many seconds.
MINSHENG_MIN_FREE_MB = int(os.environ.get("MINSHENG_MIN_FREE_MB", "16"))
MINSHENG_HEALTH_PROBE_SECONDS = float(os.environ.get("MINSHENG_HEALTH_PROBE_SECONDS", "2"))
# Uploaded photos: largest accepted size in bytes.
MINSHENG_MAX_UPLOAD = int(os.environ.get("MINSHENG_MAX_UPLOAD", str(8 * 1024 * 1024)))
DEFAULT_FROM_EMAIL = os.environ.get("MINSHENG_FROM_EMAIL", "minsheng@localhost")
EMAIL_BACKEND = os.environ.get("MINSHENG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MINSHENG_LOG_LEVEL", "WARNING")},
    # The development SMS/WeChat adapters "send" by logging: their lines must reach the console.
    "loggers": {"minsheng.notifications": {"level": "INFO"}},
}

# Dashboard map tiles: an XYZ URL template, e.g. 天地图 (register a key at lbs.tianditu.gov.cn)
# "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
# or any XYZ server ("https://tile.example.org/{z}/{x}/{y}.png"). Empty: no tiles (polygons and points on a blank map).
# Its host (a "{s}" first label becomes "*") is the only other host the CSP lets images come from (core.middleware).
MINSHENG_MAP_TILES = os.environ.get("MINSHENG_MAP_TILES", "")
MINSHENG_MAP_ATTRIBUTION = os.environ.get("MINSHENG_MAP_ATTRIBUTION", "")
