from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from techfund.core.enums import Role
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _static_root():
    """WhiteNoise warns (an error under ``-W error``) when STATIC_ROOT is missing, as on a fresh checkout."""
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test accounts need no slow key stretching (PBKDF2 takes ~0.3 s per account)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (and anything else cached) never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _chinese():
    """Messages are asserted in Chinese, the default language, unless a test switches."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def rizhao(db):
    from techfund.policy.loader import load_preset

    return load_preset("rizhao", actor=None)


@pytest.fixture
def taian(db):
    from techfund.policy.loader import load_preset

    return load_preset("taian", actor=None)


@pytest.fixture
def make_user(db):
    return factories.user


@pytest.fixture
def office(db):
    return factories.user(Role.OFFICE)


@pytest.fixture
def finance(db):
    return factories.user(Role.FINANCE)


@pytest.fixture
def leader(db):
    return factories.user(Role.LEADING_GROUP)


@pytest.fixture
def auditor(db):
    return factories.user(Role.AUDITOR)


@pytest.fixture
def applicant(db):
    return factories.user(Role.APPLICANT)


@pytest.fixture
def expert(db):
    return factories.user(Role.EXPERT)


@pytest.fixture
def officer(db):
    return factories.user(Role.DEPARTMENT)


@pytest.fixture
def sysadmin(db):
    return factories.user(Role.SYSADMIN)


@pytest.fixture
def secadmin(db):
    return factories.user(Role.SECADMIN)


@pytest.fixture
def auditadmin(db):
    return factories.user(Role.AUDITADMIN)


_triggers_removed = False


@pytest.fixture
def committing_db(transactional_db):
    """For tests whose work must really commit (threads, other connections).

    The flush that follows such a test empties every table, which the append-only triggers refuse;
    remove them for the flush, and ``_append_only_triggers`` puts them back before the next test.
    """
    global _triggers_removed
    yield
    from django.db import connection

    from techfund.core import dbtriggers

    dbtriggers.remove(connection)
    _triggers_removed = True


@pytest.fixture(autouse=True)
def _append_only_triggers(request, django_db_blocker):
    global _triggers_removed
    if _triggers_removed:
        from django.db import connection

        from techfund.core import dbtriggers

        with django_db_blocker.unblock():
            dbtriggers.install(connection)
        _triggers_removed = False
    yield
