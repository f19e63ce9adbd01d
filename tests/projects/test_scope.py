"""Every role × the project pages and endpoints × an in-scope project: 200 (sees it), 404 (outside
its scope, as if it did not exist), 403 (sees it but may not act); the contract PDF; no role sees a
project outside its scope in any list."""

import pytest
from django.template.loader import render_to_string
from rest_framework.test import APIClient

from techfund.core.enums import Role
from techfund.projects import views
from techfund.projects.models import Project
from tests import factories
from tests.projects.helpers import nothing_changed

GOV = {"office", "leader", "finance", "auditor"}
ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "dept_own",
    "dept_other",
    "unit_own",
    "unit_other",
    "expert",
    "sysadmin",
]
SEES_PROJECT = GOV | {"dept_own", "unit_own"}
SEES_LIST = GOV | {"dept_own", "dept_other", "unit_own", "unit_other"}


@pytest.fixture
def people(
    running, office, leader, finance, auditor, dept_officer, unit_user, expert, sysadmin, it_department
):
    return {
        "office": office,
        "leader": leader,
        "finance": finance,
        "auditor": auditor,
        "dept_own": dept_officer,
        "dept_other": factories.user(Role.DEPARTMENT, department=it_department),
        "unit_own": unit_user,
        "unit_other": factories.user(Role.APPLICANT),
        "expert": expert,
        "sysadmin": sysadmin,
    }


def test_pages_and_endpoints_by_role(people, running, contract, client):
    first = contract.tranches.get(seq=1)
    pages = [
        ("/projects/", SEES_LIST),
        ("/projects/arrange/", GOV),
        (f"/projects/{running.pk}/", SEES_PROJECT),
        (f"/projects/{running.pk}/contract/", SEES_PROJECT),
        (f"/api/projects/{running.pk}/", SEES_PROJECT),
        (f"/api/projects/contracts/{contract.pk}/", SEES_PROJECT),
        (f"/api/projects/tranches/{first.pk}/", SEES_PROJECT),
    ]
    for role in ROLES:
        client.force_login(people[role])
        for url, allowed in pages:
            expected = 200 if role in allowed else 404
            assert client.get(url).status_code == expected, (role, url)
        listed = APIClient()
        listed.force_authenticate(people[role])
        count = listed.get("/api/projects/").json()["count"]
        assert count == (1 if role in SEES_PROJECT else 0), role


def test_actions_answer_403_to_roles_that_see_but_may_not_act_and_404_outside(
    people, running, contract, client
):
    first = contract.tranches.get(seq=1)
    actions = [
        (f"/projects/tranches/{first.pk}/pay/", {"finance"}),
        (f"/projects/{running.pk}/statutory-approval/", {"finance"}),
        (f"/projects/{running.pk}/contract/new/", {"office", "dept_own"}),
        (f"/projects/{running.pk}/contract/sign/", {"office", "dept_own", "unit_own"}),
    ]
    api_actions = [
        (f"/api/projects/tranches/{first.pk}/pay/", {"finance"}),
        (f"/api/projects/{running.pk}/confirm-statutory-approval/", {"finance"}),
        (f"/api/projects/{running.pk}/generate-contract/", {"office", "dept_own"}),
        (f"/api/projects/contracts/{contract.pk}/sign/", {"office", "dept_own", "unit_own"}),
    ]
    for role in ROLES:
        client.force_login(people[role])
        api = APIClient()
        api.force_authenticate(people[role])
        for url, may in actions:
            if role in may:
                continue  # their outcome (a refusal on this running project) is tested elsewhere
            expected = 403 if role in SEES_PROJECT else 404
            with nothing_changed():
                assert client.post(url, {}).status_code == expected, (role, url)
        for url, may in api_actions:
            if role in may:
                continue
            expected = 403 if role in SEES_PROJECT else 404
            with nothing_changed():
                assert api.post(url, {}, format="json").status_code == expected, (role, url)


def test_lists_show_only_the_scope(people, running, project_b, client):
    for role in ROLES:
        if role not in SEES_LIST:
            continue
        client.force_login(people[role])
        page = client.get("/projects/").content.decode()
        assert (running.number in page) == (role in SEES_PROJECT), role
        assert (project_b.number in page) == (role in GOV | {"dept_other"}), role


@pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")
def test_the_contract_pdf(running, contract, unit_user, applicant_of, client):
    client.force_login(unit_user)
    r = client.get(f"/projects/{running.pk}/contract.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and f"{contract.number}.pdf" in r["Content-Disposition"]
    client.force_login(applicant_of(factories.organisation()))
    assert client.get(f"/projects/{running.pk}/contract.pdf").status_code == 404
    # the document (pypdf is not installed to read the PDF back): 大写金额, parties, signatures
    html = render_to_string("projects/contract_pdf.html", views._contract_context(running, contract))
    assert '<html lang="zh-CN">' in html
    assert "肆佰万元整" in html and "4,000,000.00" in html
    assert "甲方（主管部门）" in html and running.department.name in html
    assert "乙方（承担单位）" in html and running.organisation.name in html
    assert "王海涛" in html and "李明" in html and "本任务书于 2026年10月20日 经双方签订生效。" in html
    assert "<td>发表高水平论文</td><td>越高越好</td><td>10</td>" in html.replace("\n", "")
    assert "发表高水平论文" in html and "完成样机研制" in html and "任务书签订后30日内拨付" in html


def test_no_contract_no_pdf(project, office, client):
    client.force_login(office)
    assert client.get(f"/projects/{project.pk}/contract.pdf").status_code == 404
    assert client.get(f"/projects/{project.pk}/contract/").status_code == 404
    assert Project.objects.count() == 1
