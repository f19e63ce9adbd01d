"""Factories. They build records through the services (never by writing rows behind their back),
so every test object has its audit trail like real data does."""

import itertools

import factory

from techfund.core import uscc
from techfund.core.enums import OrganisationKind, Role
from techfund.core.models import Department, Organisation, User
from techfund.core.services import people

_serial = itertools.count(1)
PASSWORD = "Test-Pass-2026!"


def next_uscc() -> str:
    n = next(_serial)
    return uscc.make("91371100", f"MA{n:06d}")


def organisation(**kw) -> Organisation:
    data = {
        "uscc": next_uscc(),
        "name": f"测试单位{next(_serial)}有限公司",
        "kind": OrganisationKind.ENTERPRISE,
    }
    data.update(kw)
    return people.register_organisation(actor=None, **data)


def department(code: str | None = None, **kw) -> Department:
    existing = Department.objects.filter(code=code).first() if code else None
    if existing:
        return existing
    n = next(_serial)
    code = code or f"dept{n}"
    return people.create_department(
        actor=None,
        code=code,
        name=kw.get("name", f"测试部门{n}"),
        short_name=kw.get("short_name", f"部门{n}"),
    )


def user(role: str | None = None, *, organisation=None, department=None, username=None, **kw) -> User:
    n = next(_serial)
    u = people.create_user(
        actor=None,
        username=username or f"{role or 'user'}{n}",
        password=PASSWORD,
        display_name=kw.get("display_name", f"测试{n}"),
        must_change_password=False,
    )
    if role:
        if role == Role.APPLICANT and organisation is None:
            organisation = globals()["organisation"]()
        if role == Role.DEPARTMENT and department is None:
            department = globals()["department"]()
        people.grant_role(actor=None, user=u, role=role, organisation=organisation, department=department)
    u.forget_grants()
    return u


class OrganisationFactory(factory.Factory):
    """For tests that want factory_boy's declarative style; still goes through the service."""

    class Meta:
        model = Organisation

    uscc = factory.LazyFunction(next_uscc)
    name = factory.Sequence(lambda n: f"工厂单位{n}有限公司")
    kind = OrganisationKind.ENTERPRISE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return people.register_organisation(actor=None, **kwargs)
