import importlib
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.utils import translation

from techfund.core.enums import Role
from tests import factories
from tests.sharing import _module_fixtures, pytest_fixture_setup  # noqa: F401 - fixture and hook

#: The longest tests (whole demo years and the crawl of one, the scope matrices, the migrations):
#: collected first, so that under xdist they start at once instead of leaving one worker busy with
#: one of them at the end while the others have nothing left to do.
LONG_FIRST = (
    "tests/lifecycle/test_rizhao_year.py",
    "tests/lifecycle/test_taian_year.py",
    "tests/lifecycle/",
    "tests/test_scope_matrix.py",
    "tests/core/test_migrations.py",
)


#: Set by ``make test`` for its second pass (PostgreSQL): only the tests that use the database run
#: again. The others (computations, parsers, the assignment engine…) cannot touch a database —
#: pytest-django blocks it — so they have already been run, identically, in the first pass.
DB_ONLY = "TECHFUND_TESTS_DB_ONLY"


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "django_db_setup"} & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get(DB_ONLY):
        deselected = [item for item in items if not _uses_database(item)]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if _uses_database(item)]

    def rank(item):
        path = item.nodeid
        return next((i for i, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)), len(LONG_FIRST))

    items.sort(key=rank)  # stable: the order within a rank is the collection's


def install_migration_extras(connection) -> None:
    """What the migrations add to the schema besides the models: the append-only triggers (core
    0002) and the library's GIN index (library 0001, PostgreSQL only). The suite builds its test
    databases from the models (``--no-migrations`` in pyproject.toml: a second instead of ~20 s of
    migrations per xdist worker), then calls this; tests/core/test_migrations.py checks that the
    real migrations build the same schema."""
    from techfund.core import dbtriggers

    dbtriggers.install(connection)
    library = importlib.import_module("techfund.library.migrations.0001_initial")
    with connection.schema_editor() as editor:
        library.create_gin_index(None, editor)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            install_migration_extras(connection)


@pytest.fixture(scope="session", autouse=True)
def _static_root():
    """WhiteNoise warns (an error under ``-W error``) when STATIC_ROOT is missing, as on a fresh checkout."""
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords():
    """Test accounts need no slow key stretching (PBKDF2 takes ~0.3 s per account). For the whole
    session, so that what is set up once for a module (tests/sharing.py) is hashed alike."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


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
