"""Django settings, read from the environment by :mod:`cxpilot.config` and checked at start."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cxpilot import config, domains

CONFIG = config.load()
PACKAGE_DIR = Path(__file__).resolve().parent

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = [*CONFIG.allowed_hosts, "testserver"]
CXPILOT_HOME = CONFIG.home
CXPILOT_WAREHOUSE_URL = CONFIG.warehouse_url
CXPILOT_MATURITY_MODEL = CONFIG.maturity_model
CXPILOT_SURVEY_RATE_PER_IP = CONFIG.survey_rate_per_ip
CXPILOT_SURVEY_RATE_PER_KEY = CONFIG.survey_rate_per_key
CXPILOT_SURVEY_MAX_BODY = CONFIG.survey_max_body
CXPILOT_VALUE_MARGIN = CONFIG.value_margin
CXPILOT_TRUSTED_PROXIES = CONFIG.trusted_proxies or ()
CXPILOT_ROLE_PERMISSIONS = domains.role_permissions()
CXPILOT_PUBLIC_PATHS = domains.public_paths()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: 39 036 and 39,036, not 39036
    "ninja",  # the API docs page serves Swagger UI from the package, not from a CDN
    "cxpilot.kernel",
    *(f"cxpilot.{domain.name}" for domain in domains.DOMAINS),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cxpilot.kernel.web.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cxpilot.kernel.middleware.LoginRequiredMiddleware",
    "cxpilot.kernel.web.ErrorMiddleware",
]

ROOT_URLCONF = "cxpilot.urls"
CSRF_FAILURE_VIEW = "cxpilot.kernel.web.csrf_failure"
WSGI_APPLICATION = "cxpilot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cxpilot.kernel.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL: readers never wait for the writer, and a commit is one append to the log;
    # synchronous=FULL: that append reaches the disk before the commit returns, so an
    # acknowledged answer survives a crash of the machine too, not only of the process.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        # secure_delete: a deleted row's bytes are overwritten, so an erased person (GDPR
        # art. 17) cannot be read back from the file's free pages
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["cxpilot.kernel.formats"]
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = CONFIG.time_zone
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.home / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

DEFAULT_FROM_EMAIL = SERVER_EMAIL = CONFIG.email_from
if CONFIG.smtp_url:
    from urllib.parse import parse_qs, unquote, urlparse

    _smtp = urlparse(CONFIG.smtp_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = parse_qs(_smtp.query).get("tls", ["0"])[0] in ("1", "true")
    EMAIL_TIMEOUT = 10
else:
    # no SMTP server configured: e-mails are written to the log instead of being sent
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"cxpilot": {"handlers": ["console"], "level": "INFO"}},
}
