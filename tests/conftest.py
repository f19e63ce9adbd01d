import pytest
from django.utils import translation

from techfund.core.enums import Role
from tests import factories


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
