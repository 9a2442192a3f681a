"""Settings of the Open Cities platform, read from the environment.

With no environment at all the platform runs embedded: SQLite under ``var/``,
the in-memory channel layer, console e-mail, database search and immediate
tasks. Production sets ``DEBUG=0`` and the variables listed in the README.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(exist_ok=True)


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", "dev-only-secret-key-do-not-use-in-production-0123456789")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not SECRET_KEY or not ALLOWED_HOSTS:
        raise ImproperlyConfigured("SECRET_KEY and ALLOWED_HOSTS must be set when DEBUG is off.")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS may not contain '*': it disables the origin check.")

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "daphne",
    "accounts",
    "notifications",
    "forum",
    "needs_registry",
    "budget",
    "steering",
    "frontend",
    "search",
    "downloads",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "channels",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # The IAM provider is accounts.provider.IAMProvider, in place of
    # "allauth.socialaccount.providers.openid_connect" (whose URLs it keeps).
    "taggit",
    "modelcluster",
    "django_tasks_db",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
    "wagtail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.cache_versions.ReadOnceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Synchronous only, and innermost: served over ASGI, Django then runs every
    # middleware above in the request's one thread. Below an async-capable one,
    # each of those would pass to the event loop and back for its hooks (about
    # 1.5 ms of every request served by Daphne, measured).
    "accounts.middleware.SessionLifetimeMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names PostgreSQL.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if env("TEST_DATABASE_NAME"):
        # Two test runs side by side (`make test` runs the browser tests beside
        # the rest) need a test database each.
        DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Served over ASGI, every request has a database connection of its own:
        # a pool hands it an open one instead of connecting anew each time.
        from psycopg_pool import ConnectionPool

        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(env("DATABASE_POOL_MIN", "2")),
            "max_size": int(env("DATABASE_POOL_MAX", "20")),
            "timeout": float(env("DATABASE_POOL_TIMEOUT", "10")),
            "check": ConnectionPool.check_connection,
        }
        # Parameters bound by the server, so that psycopg prepares a statement the
        # fifth time a pooled connection runs it: PostgreSQL then plans each of a
        # page's queries once per connection rather than on every request (the
        # thread page's largest query takes four times as long to plan as to run).
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
    else:
        DATABASES["default"].update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": VAR_DIR / f"{env('TEST_DATABASE_NAME', 'test')}.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: channel layer and cache when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 2000}],
                "prefix": env("REDIS_PREFIX", "opencities"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("REDIS_PREFIX", "opencities"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # One process: its live hub takes every group message from one channel, so
    # the channel holds far more than the default hundred in a burst.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 10_000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The site's shell as every viewer in one language sees it ({% cache ... using="kept" %}
# in base.html), kept by each process for itself: the same for every process of one
# release, so there is nothing to share and no round trip to make.
CACHES["kept"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "kept",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# In the database only: a session kept in the cache as well (``cached_db``)
# would outlive its sign-out if the cache were away at that moment and came back.
# Django's database store, read with a plain statement (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"

# Background tasks: immediate in the embedded default, a database queue
# worked by `manage.py db_worker` in production.
TASKS_BACKEND = env("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND],
    }
}

# Search: Meilisearch when MEILISEARCH_URL is set, the database otherwise.
MEILISEARCH_URL = env("MEILISEARCH_URL")
MEILISEARCH_API_KEY = env("MEILISEARCH_API_KEY")
MEILISEARCH_INDEX_PREFIX = env("MEILISEARCH_INDEX_PREFIX", "opencities")
MEILISEARCH_TIMEOUT = float(env("MEILISEARCH_TIMEOUT", "2"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, each loading the member with their roles.
    "accounts.backends.MemberBackend",
    "accounts.backends.MemberAuthenticationBackend",
]
LOGIN_URL = "sign_in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sign-in through the consortium IAM (OpenID Connect).
OIDC_ISSUER = env("OIDC_ISSUER", "http://127.0.0.1:8010" if DEBUG else "")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", "open-cities-platform" if DEBUG else "")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", "demo-client-secret" if DEBUG else "")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "Open Cities IAM")
OIDC_SCOPES = env_list("OIDC_SCOPES", "openid,profile,email")
OIDC_POST_LOGOUT_REDIRECT_URIS = env_list("OIDC_POST_LOGOUT_REDIRECT_URIS", SITE_URL + "/")
OIDC_HTTP_TIMEOUT = float(env("OIDC_HTTP_TIMEOUT", "5"))
# Without DEBUG the IAM is reached over https only (system check accounts.E101,
# and every endpoint its discovery document names). Not read from the environment.
OIDC_REQUIRE_HTTPS = not DEBUG
# The provider's signing keys are cached this long; a token naming an unknown
# key fetches them again at most once per OIDC_JWKS_REFRESH_SECONDS.
OIDC_JWKS_CACHE_SECONDS = int(env("OIDC_JWKS_CACHE_SECONDS", "3600"))
OIDC_JWKS_REFRESH_SECONDS = int(env("OIDC_JWKS_REFRESH_SECONDS", "60"))
# A back-channel logout token older than this (by its iat) is refused.
OIDC_LOGOUT_TOKEN_MAX_AGE = int(env("OIDC_LOGOUT_TOKEN_MAX_AGE", "120"))

# How long a session lasts, and how often the IAM is asked again during it
# (accounts.sessions). Roles and organisation are re-read from the IAM every
# IAM_RECHECK_SECONDS; while the IAM does not answer, a session is kept for
# IAM_UNREACHABLE_GRACE_SECONDS more before it ends.
IAM_RECHECK_SECONDS = int(env("IAM_RECHECK_SECONDS", str(15 * 60)))
IAM_UNREACHABLE_GRACE_SECONDS = int(env("IAM_UNREACHABLE_GRACE_SECONDS", str(60 * 60)))
SESSION_IDLE_SECONDS = int(env("SESSION_IDLE_SECONDS", str(8 * 60 * 60)))
SESSION_MAX_SECONDS = int(env("SESSION_MAX_SECONDS", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS

# Claim mapping: which claims name the organisation and which values map to roles.
# See README, "Registering the platform in the consortium IAM".
IAM_ORGANISATION_CLAIMS = env_list("IAM_ORGANISATION_CLAIMS", "organization,municipality,groups")
IAM_ORGANISATION_GROUP_PREFIX = env("IAM_ORGANISATION_GROUP_PREFIX", "/cities/")
IAM_ROLE_CLAIMS = env_list("IAM_ROLE_CLAIMS", "realm_access.roles,groups,roles")
IAM_ROLE_MAP = json.loads(
    env(
        "IAM_ROLE_MAP",
        json.dumps(
            {
                "ict-lead": "ict_lead",
                "/roles/ict-lead": "ict_lead",
                "ict-lead-substitute": "ict_lead_substitute",
                "/roles/ict-lead-substitute": "ict_lead_substitute",
                "steering-group": "steering_group",
                "/roles/steering-group": "steering_group",
                "project-coordinator": "project_coordinator",
                "/roles/project-coordinator": "project_coordinator",
                "moderator": "moderator",
                "/roles/moderator": "moderator",
                "platform-admin": "platform_admin",
                "/roles/platform-admin": "platform_admin",
            }
        ),
    )
)

SOCIALACCOUNT_ONLY = not env_bool("LOCAL_PASSWORDS", False)
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.adapters.user_display"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = OIDC_HTTP_TIMEOUT
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "iam",
                "name": OIDC_PROVIDER_NAME,
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": OIDC_ISSUER,
                    "oauth_pkce_enabled": True,
                    "fetch_userinfo": True,
                    "scope": OIDC_SCOPES,
                },
            }
        ]
        if OIDC_ISSUER
        else [],
    }
}

# Internationalisation: Finnish first, Swedish and English complete.
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "opencities_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
# Attachments are never served from MEDIA_URL (only Wagtail's public image
# renditions under images/ are): they go out through their download views, which
# ask the read rule. Set PROTECTED_FILES_ACCEL_PREFIX (e.g.
# "/protected/") when nginx serves MEDIA_ROOT from an `internal` location; the views
# then answer with X-Accel-Redirect instead of streaming the bytes themselves.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
PROTECTED_FILES_ACCEL_PREFIX = env("PROTECTED_FILES_ACCEL_PREFIX")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# E-mail: printed to the console unless an SMTP server is configured.
if env("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": int(env("EMAIL_PORT", "587")),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Open Cities <noreply@opencities.invalid>")

# Wagtail: content pages and back office.
WAGTAIL_SITE_NAME = "Open Cities"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "sign_in"
WAGTAIL_FRONTEND_LOGIN_URL = "sign_in"
# Members sign in through the IAM only: no password of the platform's own can be
# set or reset, or it would open a way in that the IAM's roles and logout don't reach.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = not SOCIALACCOUNT_ONLY
WAGTAIL_PASSWORD_RESET_ENABLED = not SOCIALACCOUNT_ONLY
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "csv", "txt"]

# Security. A strict Content-Security-Policy: no inline scripts or styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "ws:", "wss:"] if DEBUG else [CSP.SELF, "wss:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *([OIDC_ISSUER] if OIDC_ISSUER else [])],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Platform behaviour.
OPEN_DATA_PUBLIC = env_bool("OPEN_DATA_PUBLIC", True)
PROCUREMENT_NATIONAL_THRESHOLD_EUR = int(env("PROCUREMENT_NATIONAL_THRESHOLD_EUR", "60000"))
PROCUREMENT_EU_THRESHOLD_EUR = int(env("PROCUREMENT_EU_THRESHOLD_EUR", "216000"))
# Procurement thresholds (€, excluding VAT) by contract type: (national, EU).
# National: the Act on Public Procurement and Concession Contracts (1397/2016), section 25.
# EU, for municipalities (sub-central contracting authorities), 2026–2027: Commission
# Delegated Regulation (EU) 2025/2152 amending Directive 2014/24/EU (the social and other
# specific services of its Annex XIV stay at 750,000 € by Article 4 of the directive).
# Goods and services follow the two settings above. Override any as JSON, e.g.
# PROCUREMENT_THRESHOLDS_EUR='{"construction": [150000, 5404000]}'.
PROCUREMENT_THRESHOLDS_EUR: dict[str, tuple[int, int]] = {
    "goods_services": (PROCUREMENT_NATIONAL_THRESHOLD_EUR, PROCUREMENT_EU_THRESHOLD_EUR),
    "construction": (150_000, 5_404_000),
    "social_health": (400_000, 750_000),
    "design_contest": (60_000, 216_000),
} | {
    kind: (int(national), int(eu))
    for kind, (national, eu) in json.loads(env("PROCUREMENT_THRESHOLDS_EUR", "{}")).items()
}
WEBSOCKET_MAX_FRAME_BYTES = 16 * 1024
# The steering group's quorum: more than this share of the member cities must be
# represented (at a meeting, or voting in an electronic decision). "1/2": more than half.
STEERING_QUORUM = tuple(int(part) for part in env("STEERING_QUORUM", "1/2").split("/", 1))
# An electronic decision's reminder goes out this many hours before it closes.
STEERING_BALLOT_REMINDER_HOURS = int(env("STEERING_BALLOT_REMINDER_HOURS", "24"))

# The reverse proxies in front of Daphne that append to X-Forwarded-For: the
# client address is taken that many entries from the right (0: REMOTE_ADDR).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
# Rate limits overriding the defaults of accounts.ratelimit.LIMITS, as JSON:
# {"post": [20, 60]} allows 20 posts a minute per member.
RATE_LIMITS = {
    name: (int(count), int(seconds))
    for name, (count, seconds) in json.loads(env("RATE_LIMITS", "{}")).items()
}
EVENT_BUFFER_SIZE = int(env("EVENT_BUFFER_SIZE", "1000"))
# How long the forum's live-event log keeps events for reconnecting clients
# (pruned by `manage.py prune_events`); a client that was away longer reloads.
EVENT_RETENTION_SECONDS = int(env("EVENT_RETENTION_SECONDS", str(7 * 24 * 3600)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
    },
}
