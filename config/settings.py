"""Settings for the digest blog.

Every deploy-time value comes from the environment; the defaults are safe for a
laptop. The README lists each variable.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from config.csp import inline_style_hashes, origin
from config.logging import django_logging

BASE_DIR = Path(__file__).resolve().parent.parent


# Reading the environment --------------------------------------------------------------
def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Deployment mode, secrets and hosts ---------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG")
# The django-insecure- prefix makes `check --deploy` flag a missing key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-dev-only")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Production mode (`make serve`, the systemd unit in docs/deploy.md): hashed and
# compressed static files from collectstatic, JSON logs, HTTPS settings. It needs a real
# secret key, and DEBUG is refused with one: a leaked traceback must never carry it.
PRODUCTION = env_bool("DJANGO_PRODUCTION")
# Served over HTTPS behind the proxy: redirect to https, HSTS, secure cookies. On in
# production; `make serve` turns it off to run on http://127.0.0.1.
HTTPS = env_bool("DJANGO_HTTPS", default=PRODUCTION)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured("DJANGO_PRODUCTION=1 needs DJANGO_SECRET_KEY (a long random value).")
if DEBUG and (PRODUCTION or not SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=1 is refused with a production secret key (DJANGO_SECRET_KEY or "
        "DJANGO_PRODUCTION set): debug pages would show settings to anyone."
    )
# The admin's address; somewhere else than admin/ keeps password-guessing bots away.
ADMIN_PATH = (os.environ.get("DJANGO_ADMIN_PATH", "").strip("/") or "admin") + "/"
# Proxies trusted for X-Forwarded-For and X-Forwarded-Proto (the same list gunicorn uses).
FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Applications, middleware, URLs and templates -----------------------------------------
INSTALLED_APPS = [
    "blog",
    # Mail as deliveries sent by background tasks (django-tasks on its database backend).
    "mailer",
    "django_tasks",
    "django_tasks_db",
    "adminsortable2",
    # A version of every digest save, with its items and links (blog/admin/revisions.py).
    "reversion",
    "sorl.thumbnail",
    # django_comments_xtd must come before django_comments; our comments app after both,
    # so that its ready() runs last (it undoes one of xtd's signal handlers).
    "django_comments_xtd",
    "django_comments",
    "comments",
    # Following the blog by email, and likes on digests.
    "followers",
    "likes",
    # Webmentions received and sent (mentions/); the read-only JSON of digests (blog.api).
    "mentions",
    "rest_framework",
    # The blog as an ActivityPub actor (fediverse/): off unless FEDIVERSE_ENABLED.
    "fediverse",
    # Cached reader pages (after blog and comments, whose models it watches).
    "caching",
    # Social login for commenters: our accounts app, django-allauth and its providers.
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.openid_connect",
    "accounts.providers.wordpress_com",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    # WordPress import and export (import_wxr, export_wxr); imported pages are flatpages.
    "django.contrib.flatpages",
    "wxr",
    # Composing digests from links: paste a link, get an item; the week's link inbox.
    "composer",
]

MIDDLEWARE = [
    "config.middleware.RequestIDMiddleware",
    "config.middleware.ProxiedClientIPMiddleware",
    # /healthz and /readyz: before the host check and the https redirect.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Oversized bodies get 413 before anything reads them (after authentication: staff may
    # upload more).
    "config.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Old WordPress links (/?p=ID, old permalinks, /wp-content/uploads/…) and imported pages.
    "wxr.middleware.WordPressLinksMiddleware",
    # The webmention endpoint in a Link header on digest pages, cached ones too.
    "mentions.middleware.WebmentionLinkMiddleware",
    # Accept: application/activity+json on a digest's permalink gets its Article, before
    # the page cache can answer with HTML; HTML answers get Vary: Accept.
    "fediverse.middleware.ContentNegotiationMiddleware",
    # Last: hits still pass the session, CSRF and security middleware above.
    "caching.middleware.PageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "blog.context_processors.site",
            ],
        },
    },
]

# Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Seconds the 503 page asks clients to wait while the database is down.
RETRY_AFTER_SECONDS = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SQLite: write transactions take the lock when they start (no "database is locked"
# half-way through posting a comment) and WAL lets readers go on meanwhile.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# PostgreSQL timeouts ------------------------------------------------------------------
# A database that is down, unreachable or silent gives readers the 503 page within
# seconds instead of holding a worker until gunicorn kills it. In production: connect
# within 2 s (libpq's minimum; `?connect_timeout=N` in DATABASE_URL overrides it), the
# server cancels a statement after DJANGO_DB_STATEMENT_TIMEOUT seconds and a wait for a
# lock after DJANGO_DB_LOCK_TIMEOUT, and the app gives up on any answer one second after
# the statement timeout (config/postgres), as TCP does on a host that stopped
# acknowledging (keepalives, tcp_user_timeout). Development and tests wait as long as it
# takes unless these are set: a busy laptop is not an outage. 0 turns one off.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgres"
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _statement_timeout = float(
        os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT", "5" if PRODUCTION else "0")
    )
    _lock_timeout = float(os.environ.get("DJANGO_DB_LOCK_TIMEOUT", "3" if PRODUCTION else "0"))
    if PRODUCTION:
        _db_options.setdefault("connect_timeout", 2)
    _server_options = [
        f"-c {name}={round(seconds * 1000)}"
        for name, seconds in (
            ("statement_timeout", _statement_timeout),
            ("lock_timeout", _lock_timeout),
        )
        if seconds
    ]
    if _server_options:
        _db_options["options"] = " ".join(
            [_db_options.get("options", ""), *_server_options]
        ).strip()
    # A kept connection to a host that went away is found out while idle (within 16 s).
    _db_options.update(keepalives=1, keepalives_idle=10, keepalives_interval=2, keepalives_count=3)
    if _statement_timeout:
        _db_options.setdefault("answer_timeout", _statement_timeout + 1)
        _db_options.setdefault("tcp_user_timeout", round((_statement_timeout + 1) * 1000))

# Caches: the page cache, shared fragments and the shared counters ---------------------
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # Django's RedisCache, but a Redis that is down means "serve uncached".
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # Several sites (or test runs) can share one Redis database.
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_KEY_PREFIX", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Comment flood and rate limits and django-allauth's limits count here, once for every
# gunicorn worker (and node): the same Redis with REDIS_URL, else a database table
# (made by `migrate`). Never a process's own memory, which would count per worker.
COUNTER_CACHE_ALIAS = "counters"
CACHES[COUNTER_CACHE_ALIAS] = (
    {**CACHES["default"]}
    if os.environ.get("REDIS_URL")
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_counters",
        # Counters are culled only once this many are live (a third of them at a time).
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
)
# Whole reader pages for anonymous visitors, at most this many seconds (caching/);
# 0 turns the page cache off. Changes show at once: saving bumps a generation.
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "600"))
PAGE_CACHE_ALIAS = "default"
# Parts shared by every reader (the archive sidebar, a digest's public comments), also for
# pages rendered fresh, e.g. for signed-in readers (caching.fragments); 0 turns them off.
FRAGMENT_CACHE_SECONDS = int(os.environ.get("DJANGO_FRAGMENT_CACHE_SECONDS", "600"))
# Cached pages are the same bytes for every anonymous reader, so a shared cache in front
# (nginx proxy_cache, docs/deploy.md) may keep them: s-maxage (0: only browsers, private)
# and stale-while-revalidate of their Cache-Control. A change shows there within these.
EDGE_CACHE_SECONDS = int(os.environ.get("DJANGO_EDGE_CACHE_SECONDS", "2"))
EDGE_STALE_SECONDS = int(os.environ.get("DJANGO_EDGE_STALE_SECONDS", "5"))
# A form sent without its token (cached pages carry none; site.js fetches one) comes back
# to be sent again instead of a bare 403 (caching/csrf.py).
CSRF_FAILURE_VIEW = "caching.csrf.failure"

# Passwords, language and time ---------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site speaks one language, its author's: every reader gets the same page (the page cache
# and an edge cache depend on it), so there is no LocaleMiddleware and no Accept-Language
# negotiation. The worker's mails use it too. Catalogs: locale/ (`make messages`).
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our English dates ("December 2, 2026"); other languages keep Django's formats.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
# No USE_THOUSAND_SEPARATOR: it would group every number a template prints, ids in links
# and image widths in srcset included ("1,200w"). Limits in messages are grouped by the
# language where they are written (blog.text).
USE_TZ = True

# The site and the blog ----------------------------------------------------------------
# The site's public address, used in feeds, sitemaps and mails; kept in the Sites
# framework's row on every `migrate` (blog.apps.sync_site). `make run` and `make serve`
# default it to the address they listen on, $(HOST):$(PORT).
SITE_ID = 1
SITE_DOMAIN = os.environ.get("DJANGO_SITE_DOMAIN", "127.0.0.1:8000")

BLOG_TITLE = os.environ.get("BLOG_TITLE", "Digests")
BLOG_TAGLINE = os.environ.get(
    "BLOG_TAGLINE", "The latest articles and videos I found most interesting"
)
BLOG_PAGE_SIZE = 10
# Year and month archives are indexable, as in WordPress; 1 asks search engines to skip them.
BLOG_NOINDEX_ARCHIVES = env_bool("BLOG_NOINDEX_ARCHIVES")
# Uploaded images larger than this many pixels are refused (decompression bombs).
BLOG_MAX_IMAGE_PIXELS = int(os.environ.get("BLOG_MAX_IMAGE_PIXELS", str(40_000_000)))
BLOG_MAX_UPLOAD_BYTES = int(os.environ.get("BLOG_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# Video posters are fetched once, when an editor saves a video item without an image.
BLOG_FETCH_VIDEO_POSTERS = env_bool("BLOG_FETCH_VIDEO_POSTERS", default=True)
BLOG_VIDEO_POSTER_SOURCES = {
    "youtube": (
        "https://i.ytimg.com/vi/{id}/maxresdefault.jpg",
        "https://i.ytimg.com/vi/{id}/hqdefault.jpg",
    ),
    "vimeo": "https://vimeo.com/api/oembed.json?url={url}&width=1280",
}
# Widths of the resized renditions offered in srcset.
BLOG_IMAGE_WIDTHS = (480, 720, 960, 1600)

# Server-side fetches (blog.fetch) -----------------------------------------------------
# Every request the server makes itself (blog.fetch): seconds to connect, and for the whole
# fetch, redirects included. Loopback and private addresses are refused except these exact
# host:port pairs (e.g. "127.0.0.1:8080", "intranet.example:443", "[::1]:8080").
FETCH_CONNECT_TIMEOUT = 3
FETCH_TIMEOUT = 5
FETCH_ALLOWED_PRIVATE = env_list("FETCH_ALLOWED_PRIVATE")
# A link an editor pastes or saves is fetched once to fill in its item (composer.unfurl);
# 0 switches that off (an air-gapped site): items are then filled in by hand.
COMPOSER_FETCH_LINKS = env_bool("COMPOSER_FETCH_LINKS", default=True)
COMPOSER_MAX_PAGE_BYTES = 2 * 1024 * 1024
# Where videos and papers are described (tests point them at loopback stand-ins).
COMPOSER_OEMBED_ENDPOINTS = {
    "youtube": "https://www.youtube.com/oembed",
    "vimeo": "https://vimeo.com/api/oembed.json",
}
COMPOSER_ARXIV_API = "https://export.arxiv.org/api/query"
COMPOSER_DOI_API = "https://doi.org/"

# Request size limits ------------------------------------------------------------------
# A body larger than this is refused (413) before it is read. Staff may send a digest
# with five full-size images (the cover and four items, BLOG_MAX_UPLOAD_BYTES each) and
# its text; nginx's client_max_body_size should be the same (docs/deploy.md).
MAX_REQUEST_BYTES = int(
    os.environ.get("DJANGO_MAX_REQUEST_BYTES", str(5 * BLOG_MAX_UPLOAD_BYTES + 1024 * 1024))
)
# Everyone else (comments, log-in, accounts) never sends files.
MAX_PUBLIC_REQUEST_BYTES = int(os.environ.get("DJANGO_MAX_PUBLIC_REQUEST_BYTES", str(256 * 1024)))
# Form fields that are not files, in memory (Django's default, stated here).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Static files, media and thumbnails ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Development and tests serve static files straight from the apps' folders; production
# serves what collectstatic wrote, with hashed names (cached forever) and gzip/brotli.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Media in S3-compatible object storage when a bucket is named (several app nodes share
# it). Keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (read by boto3), or the
# machine's role.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as S3Config

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            # Public-read media with plain URLs (cacheable, no expiring signatures);
            # AWS_QUERYSTRING_AUTH=1 for a private bucket.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH"),
            "default_acl": os.environ.get("AWS_DEFAULT_ACL") or None,
            "file_overwrite": False,
            # Fail fast when the storage is unreachable (/readyz, uploads); "path" for
            # servers that can't take the bucket in the host name (AWS_S3_ADDRESSING_STYLE).
            "client_config": S3Config(
                s3={"addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE", "auto")},
                connect_timeout=2,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 2},
            ),
        },
    }
    if os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
        MEDIA_ORIGINS = [f"https://{os.environ['AWS_S3_CUSTOM_DOMAIN']}"]
    elif os.environ.get("AWS_S3_ENDPOINT_URL"):
        MEDIA_ORIGINS = [origin(os.environ["AWS_S3_ENDPOINT_URL"])]
    else:
        MEDIA_ORIGINS = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
        if os.environ.get("AWS_S3_REGION_NAME"):
            MEDIA_ORIGINS.append(
                f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{os.environ['AWS_S3_REGION_NAME']}.amazonaws.com"
            )
else:
    MEDIA_ORIGINS = []
FILE_UPLOAD_PERMISSIONS = 0o644

THUMBNAIL_PRESERVE_FORMAT = True
THUMBNAIL_QUALITY = 82
# Copies are drawn from 8-bit sRGB pixels (16-bit grey scaled, CMYK and ICC profiles applied).
THUMBNAIL_ENGINE = "blog.renditions.ThumbnailEngine"

# Mail ---------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "blog@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Without a mail server configured, mail is printed to the console.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Background tasks and mail delivery (django-tasks, django-tasks-db; mailer/) ----------
# Requests never talk to the mail server: each mail is stored as a delivery, and a task in
# this database sends it. `manage.py db_worker` runs the tasks (`make run` and `make serve`
# start one; docs/deploy.md: the systemd unit). Several workers, on several machines, may
# share one PostgreSQL queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A mail the server refuses is tried again after MAIL_RETRY_SECONDS, then twice as long
# each time; after MAIL_MAX_ATTEMPTS tries it shows as failed in the admin (Mail ›
# Deliveries). The defaults try for about an hour.
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "7"))
MAIL_RETRY_SECONDS = float(os.environ.get("MAIL_RETRY_SECONDS", "60"))
# A worker holds the mail it is sending this long; if it is killed, another worker may
# send that mail once the time is up. Longer than a send can take (EMAIL_TIMEOUT per step).
MAIL_CLAIM_SECONDS = float(os.environ.get("MAIL_CLAIM_SECONDS", "120"))
# /readyz reports the queue: how many tasks are due and how long the oldest has waited;
# past this many seconds the "tasks" check says not ok (the node stays ready: pages work).
TASKS_MAX_WAIT_SECONDS = float(os.environ.get("TASKS_MAX_WAIT_SECONDS", "300"))

# Logging ------------------------------------------------------------------------------
# JSON lines on stdout in production (each with the request's id), plain text otherwise.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = django_logging(LOG_FORMAT, os.environ.get("DJANGO_LOG_LEVEL", "INFO"))

# Comments (django-comments-xtd 2.10 under our own `comments` app) ---------------------
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MODEL = "comments.models.DigestComment"
COMMENTS_XTD_FORM_CLASS = "comments.forms.DigestCommentForm"
# How deep replies nest; imported blogs may need up to 10.
COMMENTS_XTD_MAX_THREAD_LEVEL = int(os.environ.get("COMMENTS_MAX_THREAD_LEVEL", "5"))
# Above this many comments on a digest, replies to replies are folded ("N more replies").
COMMENTS_COLLAPSE_AFTER = int(os.environ.get("COMMENTS_COLLAPSE_AFTER", "50"))
COMMENTS_XTD_LIST_ORDER = ("thread_id", "order")
COMMENTS_XTD_CONFIRM_EMAIL = True
COMMENTS_XTD_SEND_HTML_EMAIL = False
COMMENTS_XTD_THREADED_EMAILS = False
COMMENTS_XTD_APP_MODEL_OPTIONS = {
    "blog.digest": {
        "who_can_post": "all",
        "allow_flagging": False,
        "allow_feedback": False,
        "show_feedback": False,
    }
}
# Longest comment our form accepts. (Not django-comments' COMMENT_MAX_LENGTH: changing that
# would alter its model and ask for a migration inside the package.)
COMMENTS_BODY_MAX_LENGTH = 10_000
COMMENTS_NAME_MAX_LENGTH = 245
# Comments close this many days after publication (0: never).
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0"))
# A second comment from the same IP or email within this many seconds gets HTTP 429.
COMMENTS_FLOOD_SECONDS = 15
# At most this many comments per IP in this many seconds.
COMMENTS_RATE_LIMIT = (20, 3600)
# More links than this holds a comment for moderation.
COMMENTS_MAX_LINKS = 2
# A comment containing one of these words (in text, name, email or website) is held...
COMMENTS_MODERATION_WORDS = env_list("COMMENTS_MODERATION_WORDS")
# ...and with one of these it goes straight to spam.
COMMENTS_DISALLOWED_WORDS = env_list("COMMENTS_DISALLOWED_WORDS")
# Hold the first comment from an address that has no approved comment yet.
COMMENTS_HOLD_FIRST_COMMENT = env_bool("COMMENTS_HOLD_FIRST_COMMENT", default=True)
# An address confirmed once may comment again without a new confirmation mail.
COMMENTS_REMEMBER_VERIFIED_EMAILS = env_bool("COMMENTS_REMEMBER_VERIFIED_EMAILS", default=True)
# How long a confirmation link works (seconds).
COMMENTS_CONFIRM_MAX_AGE = 3 * 24 * 3600
# At most this many confirmation mails per address, and per IP, in an hour.
COMMENTS_CONFIRMATION_MAILS_PER_HOUR = (3, 10)
# Guests may edit or delete their own comment for this many seconds.
COMMENTS_EDIT_SECONDS = 15 * 60
# Mail the digest's author and editors about held (and, if set, all new) comments.
COMMENTS_NOTIFY_EDITORS = env_bool("COMMENTS_NOTIFY_EDITORS", default=True)
COMMENTS_NOTIFY_EDITORS_OF_PUBLIC = env_bool("COMMENTS_NOTIFY_EDITORS_OF_PUBLIC", default=False)
# Comment avatars: initials made here by default (no request to another site, nothing
# derived from the email address in the page). On: Gravatar images from the address's hash.
COMMENTS_GRAVATAR = env_bool("COMMENTS_GRAVATAR", default=False)

# Followers and likes (followers/, likes/) ------------------------------------------------
# How long a link to confirm following the blog works (seconds). Confirmation mails count
# against COMMENTS_CONFIRMATION_MAILS_PER_HOUR, shared with comments (mailer.limits).
FOLLOWERS_CONFIRM_MAX_AGE = 3 * 24 * 3600
# A digest whose date is more than this many seconds in the past when it is first saved
# as published (an import, a back-dated digest) is never mailed to followers.
FOLLOWERS_BACKDATED_SECONDS = int(os.environ.get("FOLLOWERS_BACKDATED_SECONDS", "3600"))
# A safety sweep this many seconds after a digest's date mails it if its own task failed.
FOLLOWERS_SWEEP_SECONDS = 300
# Likes on digests (the site's switch; each digest has its own too).
LIKES_ENABLED = env_bool("LIKES_ENABLED", default=True)
# At most this many likes and unlikes from one IP in this many seconds.
LIKES_RATE_LIMIT = (30, 600)

# Webmentions (mentions/) ----------------------------------------------------------------
# On publishing (and editing) a digest, tell the pages it links to; 0 switches sending off.
WEBMENTION_SEND = env_bool("WEBMENTION_SEND", default=True)
# At most this many webmentions received per IP in this many seconds (HTTP 429 beyond).
WEBMENTION_RATE_LIMIT = (20, 600)
# A source (or linked page) larger than this is not read.
WEBMENTION_MAX_SOURCE_BYTES = 1024 * 1024
# Pages a digest sends webmentions to, at most.
WEBMENTION_MAX_TARGETS = 100

# The read-only JSON of digests (blog.api, django-rest-framework): JSON only, anonymous,
# no session (a draft is never shown, whoever asks).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

# The fediverse (fediverse/: ActivityPub) --------------------------------------------------
# The master switch: off, every ActivityPub address answers 404 and no key is made or used.
FEDIVERSE_ENABLED = env_bool("FEDIVERSE_ENABLED", default=False)
# The blog's handle is @FEDIVERSE_USERNAME@<DJANGO_SITE_DOMAIN>.
FEDIVERSE_USERNAME = os.environ.get("FEDIVERSE_USERNAME", "blog")
# A signed request whose Date is further than this from now (either way) is refused.
FEDIVERSE_MAX_CLOCK_SKEW = int(os.environ.get("FEDIVERSE_MAX_CLOCK_SKEW", "300"))
# How long a sender's actor document (its key, inbox, name, avatar) is kept before asking again.
FEDIVERSE_ACTOR_CACHE_SECONDS = int(os.environ.get("FEDIVERSE_ACTOR_CACHE_SECONDS", "86400"))
FEDIVERSE_MAX_ACTOR_BYTES = 512 * 1024
# Deliveries: retried after FEDIVERSE_RETRY_SECONDS, then twice as long each time.
FEDIVERSE_RETRY_SECONDS = float(os.environ.get("FEDIVERSE_RETRY_SECONDS", "60"))
FEDIVERSE_MAX_ATTEMPTS = int(os.environ.get("FEDIVERSE_MAX_ATTEMPTS", "8"))
# Approving a local comment on a digest also sends it to followers as a reply.
FEDIVERSE_DELIVER_COMMENTS = env_bool("FEDIVERSE_DELIVER_COMMENTS", default=False)

# Social login for commenters (accounts/ on django-allauth) -------------------------------
# Readers sign in with an account they have elsewhere and comment under its name and
# avatar. A provider is on when its client id and secret are set here (SOCIAL_<NAME>_...)
# or as a "Social application" in the admin. README: how to register with each provider.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# No sign-up with a local password unless switched on (editors are made in the admin).
ACCOUNTS_PASSWORD_SIGNUP = env_bool("ACCOUNTS_PASSWORD_SIGNUP")
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# A password sign-up (when allowed) must confirm its address; a provider's sign-in needs no
# mail: the account keeps only an address the provider says is verified (accounts.adapters).
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if ACCOUNTS_PASSWORD_SIGNUP else "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
# Every identity is an account of its own: a provider's address never signs anyone into
# an existing account (an editor's, say), and two identities may share an address.
ACCOUNT_UNIQUE_EMAIL = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
# Sign-in starts and logout happen by POST (with the CSRF token), never by a plain link.
SOCIALACCOUNT_LOGIN_ON_GET = False
ACCOUNT_LOGOUT_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:account"
ACCOUNT_LOGOUT_REDIRECT_URL = "blog:digest-list"
# Callback addresses given to providers are https:// when the site is served over HTTPS.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# allauth's rate limits count in the shared counters (COUNTER_CACHE_ALIAS, accounts.apps);
# on top of its defaults, finished provider sign-ins per IP.
ACCOUNT_RATE_LIMITS = {"social_login": "20/m/ip,200/h/ip"}
# A deleted account's comments: "keep" them under the name they were written under, or
# "anonymise" them. Either way their address, IP and mail subscriptions go.
ACCOUNTS_DELETED_COMMENTS = os.environ.get("ACCOUNTS_DELETED_COMMENTS", "keep")
# In the site's language, as it is when the account is deleted (stored on each comment).
ACCOUNTS_ANONYMOUS_NAME = gettext_lazy("Anonymous")
# The provider's avatar is copied once per change into media (never hot-linked).
ACCOUNTS_FETCH_AVATARS = env_bool("ACCOUNTS_FETCH_AVATARS", default=True)
ACCOUNTS_AVATAR_MAX_BYTES = 2 * 1024 * 1024
ACCOUNTS_AVATAR_SIZE = 160
# How the comments learn a signed-in commenter's profile link and avatar, without
# importing the social-login package (comments.profiles).
COMMENTS_USER_PROFILES = "accounts.profiles.for_users"
# And a fediverse author's avatar (stored here) for the comments that came from there.
COMMENTS_AUTHOR_AVATARS = "fediverse.authors.avatars_for_comments"


def _social_app(prefix, /, **app):
    """A provider's app from SOCIAL_<PREFIX>_CLIENT_ID and _SECRET, if both are set."""
    client_id = os.environ.get(f"SOCIAL_{prefix}_CLIENT_ID", "")
    secret = os.environ.get(f"SOCIAL_{prefix}_SECRET", "")
    return [{"client_id": client_id, "secret": secret, **app}] if client_id and secret else []


WORDPRESS_COM_API_URL = os.environ.get(
    "SOCIAL_WORDPRESS_COM_API_URL", "https://public-api.wordpress.com"
)
OIDC_SERVER_URL = os.environ.get("SOCIAL_OIDC_SERVER_URL", "")
# State is always sent and checked; PKCE (S256) is on for every provider.
SOCIALACCOUNT_PROVIDERS = {
    "github": {
        "SCOPE": ["read:user", "user:email"],
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _social_app("GITHUB"),
    },
    "google": {
        "SCOPE": ["openid", "profile", "email"],
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _social_app("GOOGLE"),
    },
    "facebook": {
        "METHOD": "oauth2",
        "SCOPE": ["public_profile", "email"],
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _social_app("FACEBOOK"),
    },
    "wordpress_com": {
        # Tests point this at a stand-in on loopback.
        "API_URL": WORDPRESS_COM_API_URL,
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _social_app("WORDPRESS_COM"),
    },
    # Any OpenID Connect provider (Keycloak, Authentik, Okta, a Mastodon bridge...): more
    # can be added in the admin as social applications of the "OpenID Connect" kind.
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _social_app(
            "OIDC",
            provider_id=os.environ.get("SOCIAL_OIDC_ID", "oidc"),
            name=os.environ.get("SOCIAL_OIDC_NAME", "OpenID Connect"),
            settings={"server_url": OIDC_SERVER_URL},
        )
        if OIDC_SERVER_URL
        else [],
    },
}

# The sign-in buttons POST here and are redirected to the provider: the page's CSP
# form-action must allow the providers' sign-in pages. ACCOUNTS_FORM_ACTION_ORIGINS adds
# those of OpenID Connect providers configured in the admin.
SOCIAL_LOGIN_ORIGINS = [
    "https://github.com",
    "https://accounts.google.com",
    "https://www.facebook.com",
    origin(WORDPRESS_COM_API_URL),
    *([origin(OIDC_SERVER_URL)] if OIDC_SERVER_URL else []),
    *env_list("ACCOUNTS_FORM_ACTION_ORIGINS"),
]

# Security headers ---------------------------------------------------------------------
# nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and X-Frame-Options are on
# everywhere (Django's defaults, stated here); the HTTPS ones only when served over HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # gunicorn sets the scheme from X-Forwarded-Proto sent by a FORWARDED_ALLOW_IPS proxy.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)

# Content-Security-Policy (django-csp): only our own scripts, styles, fonts and images.
# Video players are iframes that static/blog/site.js inserts when the reader clicks a
# facade; until then nothing is requested from the video hosts. JSON-LD is a data block,
# not a script, so script-src does not apply to it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [
            SELF,
            *inline_style_hashes(BASE_DIR / "templates/500.html", BASE_DIR / "templates/503.html"),
        ],
        "img-src": [
            SELF,
            *MEDIA_ORIGINS,
            *(["https://www.gravatar.com"] if COMMENTS_GRAVATAR else []),
        ],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *SOCIAL_LOGIN_ORIGINS],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}

# Load testing -------------------------------------------------------------------------
# `make loadtest` only: adds the plain yardstick view (config/loadtest.py).
LOADTEST = env_bool("DJANGO_LOADTEST")
