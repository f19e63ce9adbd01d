"""财政部门下资金: finance arranges the final items' budgets (one or many, all or nothing) and confirms
the statutory approval; every refusal names its reason and changes nothing."""

from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.projects import services
from techfund.projects.models import Project
from tests import factories
from tests.decisions.conftest import reserved
from tests.projects.helpers import events, make_final_item, nothing_changed, unpaid

M = Decimal("1000000.00")


def test_arranging_an_item_creates_the_project_and_commits_its_money(final_items, finance, fund_year):
    a, _b = final_items
    assert reserved(fund_year) == 7 * M
    p = services.arrange_item(a, actor=finance, fiscal_year="2026", statutory_approved=False, note=" 首批 ")
    p.refresh_from_db()
    assert (p.number, p.title, p.amount, p.fiscal_year) == ("KC2026-0001", a.application.title, 4 * M, 2026)
    assert p.organisation == a.implementing_organisation and p.department == a.application.department
    assert (p.state, p.statutory_approved, p.emergency, p.note) == ("arranged", False, False, "首批")
    assert (p.start_date, p.end_date) == (a.application.start_date, a.application.end_date)
    assert unpaid(p) == 4 * M and reserved(fund_year) == 3 * M
    (ev,) = events("projects.project.arranged")
    assert (
        ev.role == "finance" and ev.target_id == str(p.pk) and ev.data["item"] == a.pk and ev.reason == "首批"
    )
    assert p.commitment_entry.code == "projects.project.arranged"


def test_the_budget_may_be_arranged_in_the_next_fiscal_year(final_items, finance):
    p = services.arrange_item(final_items[1], actor=finance, fiscal_year=2027)
    assert p.fiscal_year == 2027 and p.number == "KC2026-0001"


def test_several_items_at_once(final_items, finance, fund_year):
    a, b = final_items
    projects = services.arrange_items([a, b.pk, a], actor=finance, statutory_approved=True, note="第一批")
    assert [p.number for p in projects] == ["KC2026-0001", "KC2026-0002"]
    assert [p.item_id for p in projects] == [a.pk, b.pk]
    assert all(p.statutory_approved for p in projects)
    assert reserved(fund_year) == 0 and len(events("projects.project.arranged")) == 2


BAD_INPUT = [
    ({"fiscal_year": 2025}, "fiscal_year_out_of_range", "预算年度应为2026年或2027年，收到2025。"),
    ({"fiscal_year": 2028}, "fiscal_year_out_of_range", "预算年度应为2026年或2027年，收到2028。"),
    ({"fiscal_year": "明年"}, "fiscal_year_invalid", "预算年度“明年”不是有效的年份。"),
    ({"note": "说" * 301}, "note_too_long", "安排说明不能超过300个字符。"),
    ({"statutory_approved": "yes"}, "statutory_approved_invalid", "“预算已按法定程序批准”须为是或否。"),
]


def test_bad_input_is_refused(final_items, finance):
    for kwargs, code, message in BAD_INPUT:
        with nothing_changed(), pytest.raises(ServiceError) as exc:
            services.arrange_item(final_items[0], actor=finance, **kwargs)
        assert exc.value.code == code and str(exc.value.message) == message
        assert list(exc.value.errors.values()) == [[message]]


def test_an_item_still_in_publicity_is_refused(publicity, approved, finance):
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_item(approved[0], actor=finance)
    assert exc.value.code == "item_not_final"
    assert exc.value.message == "“海洋装备关键技术”尚未正式立项（当前：公示中），不能安排预算。"


def test_an_item_is_arranged_once(project, final_items, finance):
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_item(final_items[0], actor=finance)
    assert exc.value.code == "already_arranged"
    assert exc.value.message == f"“海洋装备关键技术”已安排预算（项目 {project.number}），不能重复安排。"


def test_risk_compensation_and_blocked_units_are_not_arranged_as_projects(fund_year, office, leader, finance):
    equity = make_final_item(
        fund_year, office, leader, support_mode="risk_compensation", title="风险补偿项目"
    )
    blocked_org = factories.organisation(name="失信单位有限公司", credit_status="blocked")
    blocked = make_final_item(fund_year, office, leader, implementing=blocked_org, title="失信单位项目")
    assert services.not_arrangeable_reason(equity).startswith("支持方式为“风险补偿")
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_item(equity, actor=finance)
    assert exc.value.code == "support_mode_not_arrangeable"
    assert exc.value.message.startswith("“风险补偿项目”：支持方式为“风险补偿")
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_item(blocked, actor=finance)
    assert exc.value.code == "unit_blocked"
    assert (
        exc.value.message
        == "“失信单位项目”：承担单位“失信单位有限公司”处于失信惩戒期（限制申报），不能安排预算。"
    )


def test_a_batch_is_all_or_nothing_and_lists_every_refusal(fund_year, final_items, office, leader, finance):
    equity = make_final_item(
        fund_year, office, leader, support_mode="risk_compensation", title="风险补偿项目"
    )
    a, b = final_items
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_items([a, equity, b], actor=finance, fiscal_year=2026)
    assert exc.value.code == "arrangement_refused"
    assert exc.value.message.startswith(
        "1个项目未能安排预算，本次选择的3个项目均未安排：“风险补偿项目”：支持方式为"
    )
    assert len(exc.value.errors["items"]) == 1
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_items([a, b], actor=finance, fiscal_year=2030)
    assert exc.value.message.startswith("2个项目未能安排预算")
    assert exc.value.errors["fiscal_year"] == ["预算年度应为2026年或2027年，收到2030。"]
    assert exc.value.errors["items"] == [
        "“海洋装备关键技术”：预算年度应为2026年或2027年，收到2030。",
        "“工业互联网平台”：预算年度应为2026年或2027年，收到2030。",
    ]
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.arrange_items([], actor=finance)
    assert exc.value.errors == {"items": ["请选择要安排预算的项目。"]}
    with nothing_changed(), pytest.raises(NotVisible):
        services.arrange_items([a.pk, 999999], actor=finance)


def test_only_finance_arranges(final_items, office, leader, auditor, applicant_of, officer_of):
    a, _b = final_items
    own_applicant = applicant_of(a.implementing_organisation)
    for user in (office, leader, auditor, own_applicant, officer_of(a.application.department)):
        with nothing_changed(), pytest.raises(NotAllowed):
            services.arrange_item(a, actor=user)
        with nothing_changed(), pytest.raises(NotAllowed):
            services.arrange_items([], actor=user)
    stranger = applicant_of(factories.organisation())
    with nothing_changed(), pytest.raises(NotVisible):
        services.arrange_item(a, actor=stranger)


# ---------------------------------------------------------------- statutory approval


@pytest.fixture
def unapproved(final_items, finance):
    return services.arrange_item(final_items[1], actor=finance, statutory_approved=False)


def test_finance_confirms_the_statutory_approval_once(unapproved, finance):
    services.confirm_statutory_approval(unapproved, actor=finance, reason="市人大批准预算")
    unapproved.refresh_from_db()
    assert unapproved.statutory_approved
    (ev,) = events("projects.project.statutory_approved")
    assert ev.before["statutory_approved"] is False and ev.after["statutory_approved"] is True
    assert ev.reason == "市人大批准预算"
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.confirm_statutory_approval(unapproved, actor=finance)
    assert exc.value.message == "该项目预算已确认按法定程序批准。"


def test_no_approval_for_closed_projects(unapproved, finance):
    for state, label in (("terminated", "已终止"), ("completed", "已验收评价")):
        Project.objects.filter(pk=unapproved.pk).update(state=state)  # TEST SETUP ONLY: later stages' states
        with nothing_changed(), pytest.raises(ServiceError) as exc:
            services.confirm_statutory_approval(unapproved, actor=finance)
        assert exc.value.code == "project_closed"
        assert exc.value.message == f"项目当前状态为“{label}”，不能再确认预算批准。"


def test_only_finance_confirms(unapproved, office, auditor, officer_of, applicant_of, it_department):
    for user in (office, auditor, officer_of(it_department), applicant_of(unapproved.organisation)):
        with nothing_changed(), pytest.raises(NotAllowed):
            services.confirm_statutory_approval(unapproved, actor=user)
    for user in (officer_of(factories.department()), applicant_of(factories.organisation())):
        with nothing_changed(), pytest.raises(NotVisible):
            services.confirm_statutory_approval(unapproved, actor=user)


@pytest.mark.parametrize("mode", ["equity", "interest_subsidy", "post_award"])
def test_every_per_project_support_mode_is_arranged(fund_year, office, leader, finance, mode):
    item = make_final_item(fund_year, office, leader, support_mode=mode, title=f"{mode}项目")
    assert services.not_arrangeable_reason(item) == ""
    project = services.arrange_item(item, actor=finance)
    assert project.support_mode == mode and project.amount == item.decided_amount
