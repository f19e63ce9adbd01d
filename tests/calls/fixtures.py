"""Fixtures shared by the calls and applications tests (imported by both conftests): a Rizhao fund year,
officers of two departments, applicants of two organisations, and a published competitive call with quotas."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.funds import services as fund_services
from tests import factories
from tests.calls.builders import make_call


@pytest.fixture(scope="session", autouse=True)
def static_root_dir():
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module", autouse=True)
def media_root(tmp_path_factory):
    """Uploaded files go to a directory of the module's (module-scoped, so that fixtures set up
    once per module, see tests/sharing.py, write there too)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture
def fund_year(rizhao, office):
    fy = fund_services.open_fund_year(actor=office, year=rizhao.year)
    fund_services.record_contribution(fy, actor=office, source_type="st_innovation", amount="150000000.00")
    return fy


@pytest.fixture
def st(rizhao) -> Department:
    return Department.objects.get(code="science_technology")


@pytest.fixture
def it(rizhao) -> Department:
    return Department.objects.get(code="industry_it")


@pytest.fixture
def st_officer(st):
    return factories.user(Role.DEPARTMENT, department=st)


@pytest.fixture
def it_officer(it):
    return factories.user(Role.DEPARTMENT, department=it)


@pytest.fixture
def org(db):
    return factories.organisation(name="日照海洋新材料有限公司", qualifications=["high_tech"])


@pytest.fixture
def applicant(org):
    return factories.user(Role.APPLICANT, organisation=org)


@pytest.fixture
def other_applicant(db):
    return factories.user(Role.APPLICANT, organisation=factories.organisation(name="日照另一家科技有限公司"))


@pytest.fixture
def call(fund_year, office):
    return make_call(fund_year, office)
