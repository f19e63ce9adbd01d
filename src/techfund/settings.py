"""Settings, read from the environment with safe defaults.

Every value a deployment changes comes from an environment variable:

- ``DATABASE_URL``     default ``sqlite:///<repo>/var/techfund.sqlite3``
- ``SECRET_KEY``       default: generated once into ``var/secret_key`` (never a literal in the repo)
- ``DEBUG``            default off; ``DEBUG=1`` turns it on
- ``ALLOWED_HOSTS``    comma separated, default ``127.0.0.1,localhost``
- ``AUDIT_HASH``       ``sha256`` (default) or ``sm3`` for the audit chain of new events
- ``TECHFUND_VAR``     where the SQLite database, secret key and uploads live (default ``<repo>/var``)
"""

import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TECHFUND_VAR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Written once, readable only by the owner; create exclusively so two processes never race.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    # techfund, in lifecycle order
    "techfund.core",
    "techfund.policy",
    "techfund.funds",
    "techfund.calls",
    "techfund.applications",
    "techfund.review",
    "techfund.decisions",
    "techfund.projects",
    "techfund.budgets",
    "techfund.treasury",
    "techfund.subsidies",
    "techfund.riskpool",
    "techfund.equity",
    "techfund.awards",
    "techfund.monitoring",
    "techfund.sanctions",
    "techfund.evaluation",
    "techfund.emergency",
    "techfund.reports",
    "techfund.library",
    "techfund.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "techfund.core.middleware.RequestContextMiddleware",
    "techfund.core.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "techfund.urls"
WSGI_APPLICATION = "techfund.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "techfund.core.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'techfund.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers never both read a balance
    # and then both write (the SQLite form of SELECT ... FOR UPDATE); WAL lets readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests use a file (not memory) so that threaded tests share one database; xdist adds a suffix.
    # One file per test process, so parallel runs (xdist workers, two checkouts) never share one.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_SQLITE_NAME", str(VAR_DIR / f"test-{os.getpid()}.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "techfund.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "techfund.core.passwords.ComplexityValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout (等保 level 3 expects about 600 s): the session ends after this much inactivity.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", "600"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES")

# Lockout after repeated failures; the numbers come from the active policy profile (see core.security).
AXES_FAILURE_LIMIT = "techfund.core.security.lockout_failure_limit"
AXES_COOLOFF_TIME = "techfund.core.security.lockout_cooloff"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The project's own static files (site.css, site.js, vendored htmx) live outside any app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "techfund.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "techfund API",
    "DESCRIPTION": "市级科技创新发展资金管理平台 REST API — every call goes through the same services, "
    "permissions and audit trail as the web UI.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Many records have a "state" or "decision": name each choice set after its enum, not the field.
    "ENUM_NAME_OVERRIDES": {
        "FrameworkStateEnum": "techfund.funds.enums.FrameworkState",
        "ContributionStateEnum": "techfund.funds.enums.ContributionState",
        "CallStateEnum": "techfund.calls.enums.CallState",
        "ApplicationStateEnum": "techfund.applications.enums.ApplicationState",
        "PrescreenDecisionEnum": "techfund.applications.enums.PrescreenDecision",
        "FormalResultEnum": "techfund.applications.enums.FormalResult",
        "RoundStateEnum": "techfund.review.enums.RoundState",
        "AssignmentStateEnum": "techfund.review.enums.AssignmentState",
        "ExpertStatusEnum": "techfund.review.enums.ExpertStatus",
        "RelationshipEnum": "techfund.review.enums.Relationship",
        "ConflictRuleEnum": "techfund.review.enums.ConflictRule",
        "RecommendationEnum": "techfund.review.enums.Recommendation",
        "ProposalBatchStateEnum": "techfund.decisions.enums.BatchState",
        "ProposalItemStateEnum": "techfund.decisions.enums.ItemState",
        "DecisionKindEnum": "techfund.decisions.enums.DecisionKind",
        "PublicityStateEnum": "techfund.decisions.enums.PublicityState",
        "ObjectionStateEnum": "techfund.decisions.enums.ObjectionState",
        "ProjectStateEnum": "techfund.projects.enums.ProjectState",
        "ContractStateEnum": "techfund.projects.enums.ContractState",
        "ProgressReportStateEnum": "techfund.monitoring.enums.ReportState",
        "SuggestedActionEnum": "techfund.monitoring.enums.SuggestedAction",
        "TargetKindEnum": "techfund.applications.enums.TargetKind",
        "SanctionKindEnum": "techfund.sanctions.enums.SanctionKind",
        "SanctionOrderStateEnum": "techfund.sanctions.enums.SanctionState",
        "RecoveryOrderStateEnum": "techfund.sanctions.enums.RecoveryState",
        "SanctionDecisionEnum": "techfund.sanctions.enums.Decision",
        "EmergencyRequestStateEnum": "techfund.emergency.enums.RequestState",
        "DiligenceConclusionEnum": "techfund.awards.enums.DiligenceConclusion",
        "AwardKindEnum": "techfund.awards.enums.AwardKind",
        "SubsidyRateKindEnum": "techfund.subsidies.enums.RateKind",
        "SubsidyRateTenorEnum": "techfund.subsidies.enums.Tenor",
        "SubsidyClaimStateEnum": "techfund.subsidies.enums.ClaimState",
        "SubsidyCapKindEnum": "techfund.subsidies.enums.CapKind",
        "BudgetCategoryEnum": "techfund.budgets.enums.BudgetCategory",
        "BudgetSourceEnum": "techfund.budgets.enums.BudgetSource",
        "BudgetAdjustmentKindEnum": "techfund.budgets.enums.AdjustmentKind",
        "BudgetAdjustmentStateEnum": "techfund.budgets.enums.AdjustmentState",
        "BudgetAdjustmentDecisionEnum": "techfund.budgets.enums.Decision",
        "ExpenditureFundingEnum": "techfund.budgets.enums.Funding",
        "RiskLoanGuaranteeTypeEnum": "techfund.riskpool.enums.GuaranteeType",
        "RiskLoanStateEnum": "techfund.riskpool.enums.LoanState",
        "RiskClaimStateEnum": "techfund.riskpool.enums.ClaimState",
        "RiskClaimDecisionEnum": "techfund.riskpool.enums.Decision",
        "PaymentInstructionStateEnum": "techfund.treasury.enums.InstructionState",
        "PaymentBatchStateEnum": "techfund.treasury.enums.BatchState",
        "PayeeAccountStateEnum": "techfund.treasury.enums.AccountState",
        "ConfirmationStatusEnum": "techfund.treasury.enums.ConfirmationStatus",
        "ConfirmationResultEnum": "techfund.treasury.enums.ConfirmationResult",
        "EquityInstrumentEnum": "techfund.equity.enums.Instrument",
        "EquityInvestmentStateEnum": "techfund.equity.enums.InvestmentState",
        "EquityStageStateEnum": "techfund.equity.enums.StageState",
        "EquityExitKindEnum": "techfund.equity.enums.ExitKind",
        "EquityStepStateEnum": "techfund.equity.enums.StepState",
        "EquityDecisionEnum": "techfund.equity.enums.Decision",
    },
}

# Posts anyone may make without logging in (objections during publicity), per client address.
PUBLIC_POST_RATE = os.environ.get("PUBLIC_POST_RATE", "10/hour")
TRUST_X_FORWARDED_FOR = _env_bool("TRUST_X_FORWARDED_FOR")

# The audit chain's hash for new events; each event records its own algorithm, so a switch is safe.
AUDIT_HASH_ALGORITHM = os.environ.get("AUDIT_HASH", "sha256")
# The key that seals the head of the audit chain. Keep it outside the database (and its backups);
# by default it is derived from SECRET_KEY, so set it explicitly before rotating SECRET_KEY.
AUDIT_SEAL_KEY = (
    os.environ.get("AUDIT_SEAL_KEY")
    or hashlib.sha256(f"techfund-audit-seal:{SECRET_KEY}".encode()).hexdigest()
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

TECHFUND_DEFAULT_PRESET = os.environ.get("TECHFUND_PRESET", "rizhao")
TECHFUND_TITLE = _("市级科技创新发展资金管理平台")

# Lockout is per account (等保: lock the account after repeated failures). Locking by IP as well would
# lock out a whole government office behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
