"""Settings for the digest blog.

Every deploy-time value comes from the environment; the defaults are safe for a
laptop. The README lists each variable.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
# The django-insecure- prefix makes `check --deploy` flag a missing key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-dev-only")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "blog",
    "adminsortable2",
    "sorl.thumbnail",
    # django_comments_xtd must come before django_comments; our comments app after both,
    # so that its ready() runs last (it undoes one of xtd's signal handlers).
    "django_comments_xtd",
    "django_comments",
    "comments",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
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

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# The site's public address, used in feeds, sitemaps and mails; kept in the Sites
# framework's row on every `migrate`.
SITE_ID = 1
SITE_DOMAIN = os.environ.get("DJANGO_SITE_DOMAIN", "127.0.0.1:8000")

BLOG_TITLE = os.environ.get("BLOG_TITLE", "Digests")
BLOG_TAGLINE = os.environ.get(
    "BLOG_TAGLINE", "The latest articles and videos I found most interesting"
)
BLOG_PAGE_SIZE = 10
# Uploaded images larger than this many pixels are refused (decompression bombs).
BLOG_MAX_IMAGE_PIXELS = int(os.environ.get("BLOG_MAX_IMAGE_PIXELS", str(40_000_000)))
BLOG_MAX_UPLOAD_BYTES = int(os.environ.get("BLOG_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
# Video posters are fetched once, when an editor saves a video item without an image.
BLOG_FETCH_VIDEO_POSTERS = env_bool("BLOG_FETCH_VIDEO_POSTERS", default=True)
BLOG_VIDEO_POSTER_TIMEOUT = 5
BLOG_VIDEO_POSTER_SOURCES = {
    "youtube": (
        "https://i.ytimg.com/vi/{id}/maxresdefault.jpg",
        "https://i.ytimg.com/vi/{id}/hqdefault.jpg",
    ),
    "vimeo": "https://vimeo.com/api/oembed.json?url={url}&width=1280",
}
# Widths of the resized renditions offered in srcset.
BLOG_IMAGE_WIDTHS = (480, 960, 1600)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_PERMISSIONS = 0o644

THUMBNAIL_PRESERVE_FORMAT = True
THUMBNAIL_QUALITY = 82

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Comments (django-comments-xtd 2.10 under our own `comments` app) -----------------
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MODEL = "comments.models.DigestComment"
COMMENTS_XTD_FORM_CLASS = "comments.forms.DigestCommentForm"
# How deep replies nest; imported blogs may need up to 10.
COMMENTS_XTD_MAX_THREAD_LEVEL = int(os.environ.get("COMMENTS_MAX_THREAD_LEVEL", "5"))
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
