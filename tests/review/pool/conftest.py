"""Helpers for the expert pool and conflict tests: applications with a chosen team (through the
applications' own services), experts with a 证件号码, organisations with a parent."""

import itertools

from techfund.applications import services as app_services
from techfund.applications.models import Application
from techfund.core.enums import Role
from tests import factories
from tests.review.conftest import make_expert, valid_id

_serial = itertools.count(1)


def person_id() -> str:
    """A fresh valid resident ID number (far from the ones the review fixtures use)."""
    return valid_id(700000 + next(_serial))


def apply(call, *, organisation=None, team=(), title=None, submit=True) -> Application:
    """An application of ``organisation`` whose team is ``team`` — (name, id_number[, workplace]) rows, the
    first the lead — submitted (or left a draft)."""
    organisation = organisation or factories.organisation()
    applicant = factories.user(Role.APPLICANT, organisation=organisation)
    n = next(_serial)
    app = app_services.start_application(
        call, actor=applicant, department="science_technology", title=title or f"回避测试项目{n}"
    )
    members = [
        {
            "name": row[0],
            "id_number": row[1],
            "organisation_name": row[2] if len(row) > 2 else "",
            "role": "lead" if i == 0 else "member",
            "title": "研究员",
        }
        for i, row in enumerate(team or [("李研究", person_id())])
    ]
    app_services.save_draft(
        app,
        actor=applicant,
        abstract="研究海洋装备关键部件的国产化替代。",
        keywords=["海洋装备"],
        requested_amount="1000000.00",
        self_raised="1000000.00",
        support_mode="grant",
        start_date="2027-01-01",
        end_date="2028-12-31",
        team=members,
        budget_lines=[{"category": "business", "item": "测试加工", "amount": "1000000.00"}],
        targets=[
            {"kind": "output", "name": "专利", "indicator_type": "higher", "unit": "件", "target_value": "3"}
        ],
        milestones=[{"due_date": "2028-12-31", "description": "完成样机并验收"}],
    )
    if submit:
        app_services.submit_application(app, actor=applicant)
    return Application.objects.select_related("organisation").get(pk=app.pk)


def expert_with_id(office, name, *, id_number=None, **kw):
    return make_expert(office, name=name, id_number=id_number or person_id(), **kw)
