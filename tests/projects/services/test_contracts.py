"""任务书: generated from the application with the policy's tranche plan, signed by both sides in
either order; the second signature starts the project. Every refusal names its reason and changes
nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.projects import services
from techfund.projects.models import Project
from tests import factories
from tests.projects.conftest import SIGNED_ON
from tests.projects.helpers import events, make_final_item, nothing_changed


def test_the_contract_is_generated_from_the_application_and_the_policy(project, dept_officer):
    c = services.generate_contract(project, actor=dept_officer)
    assert (c.number, c.state, c.amount) == (f"RWS-{project.number}", "draft", project.amount)
    assert (c.start_date, c.end_date) == (dt.date(2026, 11, 1), dt.date(2028, 10, 31))
    assert [t.name for t in c.targets.all()] == [
        "发表高水平论文",
        "单位产品能耗",
        "重大安全事故",
        "带动产业技术升级",
    ]
    zero = c.targets.get(indicator_type="zero")
    assert (
        zero.target_value == 0
        and c.targets.get(indicator_type="qualitative").target_text == "形成行业示范应用"
    )
    assert [m.description for m in c.milestones.all()] == ["完成样机研制", "完成示范应用并验收"]
    first, second = c.tranches.order_by("seq")
    assert (first.ratio, first.amount, first.due_date) == (Decimal("0.6000"), Decimal("2400000.00"), None)
    assert first.condition == "任务书签订后30日内拨付"
    assert (second.amount, second.condition) == (Decimal("1600000.00"), "阶段检查（中期检查）通过后拨付")
    assert second.due_date == dt.date(2027, 11, 1)  # mid-term
    assert "承担单位：" + project.organisation.name in c.terms
    (ev,) = events("projects.contract.generated")
    assert ev.role == "department" and ev.data["tranches"] == [
        {"seq": 1, "amount": "2400000.00"},
        {"seq": 2, "amount": "1600000.00"},
    ]
    assert not events("projects.project.period_set")


def test_given_dates_targets_and_milestones_set_the_project_period(project, office):
    c = services.generate_contract(
        project,
        actor=office,
        start_date="2027-01-01",
        end_date="2028-12-31",
        terms="自定条款",
        targets=[
            {"kind": "output", "name": "专利", "indicator_type": "higher", "unit": "件", "target_value": "5"}
        ],
        milestones=[{"due_date": "2027-12-31", "description": "中期"}],
    )
    project.refresh_from_db()
    assert (project.start_date, project.end_date) == (dt.date(2027, 1, 1), dt.date(2028, 12, 31))
    assert (
        c.terms == "自定条款"
        and c.targets.get().target_value == 5
        and c.milestones.get().description == "中期"
    )
    (ev,) = events("projects.project.period_set")
    assert ev.before == {"start_date": "2026-11-01", "end_date": "2028-10-31"}


TARGET = {"kind": "output", "name": "专利", "indicator_type": "higher", "unit": "件", "target_value": "5"}
BAD_CONTRACTS = [
    (
        {"start_date": "2027-13-01"},
        {"start_date": ["起始日期“2027-13-01”不是有效的日期（格式：2026-03-01）。"]},
    ),
    ({"end_date": "2026-10-01"}, {"end_date": ["完成日期必须晚于起始日期。"]}),
    ({"terms": "  "}, {"terms": ["请填写主要任务与考核内容。"]}),
    ({"terms": "字" * 5001}, {"terms": ["主要任务与考核内容不能超过5000个字符。"]}),
    ({"targets": []}, {"targets": ["任务书至少要有一项绩效目标。"]}),
    (
        {"targets": [{**TARGET, "kind": "x"}]},
        {"targets": ["第1项绩效目标的指标类别“x”无效（产出指标 output 或效益指标 outcome）。"]},
    ),
    ({"targets": [{**TARGET, "name": ""}]}, {"targets": ["第1项绩效目标请填写指标名称。"]}),
    (
        {"targets": [{**TARGET, "indicator_type": "more"}]},
        {"targets": ["第1项绩效目标的指标类型“more”无效。"]},
    ),
    ({"targets": [{**TARGET, "target_value": ""}]}, {"targets": ["第1项绩效目标是定量指标，请填写目标值。"]}),
    (
        {"targets": [{**TARGET, "target_value": "多"}]},
        {"targets": ["第1项绩效目标的目标值“多”不是有效的数字。"]},
    ),
    ({"targets": [{**TARGET, "target_value": "-1"}]}, {"targets": ["第1项绩效目标的目标值必须大于零。"]}),
    (
        {"targets": [{**TARGET, "target_value": "1.00001"}]},
        {"targets": ["第1项绩效目标的目标值“1.00001”超出范围或小数位过多（最多4位）。"]},
    ),
    (
        {"targets": [{**TARGET, "indicator_type": "zero", "target_value": "2"}]},
        {"targets": ["第1项绩效目标是“须为零”指标，目标值应为0。"]},
    ),
    (
        {"targets": [{**TARGET, "indicator_type": "qualitative"}]},
        {"targets": ["第1项绩效目标是定性指标，请填写定性目标。"]},
    ),
    (
        {"milestones": [{"due_date": "2029-01-01", "description": "晚了"}]},
        {
            "milestones": [
                "第1项进度安排的完成时间2029-01-01不在任务书起止日期（2026-11-01至2028-10-31）之内。"
            ]
        },
    ),
    (
        {"milestones": [{"due_date": "", "description": ""}]},
        {"milestones": ["第1项进度安排请填写阶段目标。", "请填写第1项进度安排的完成时间。"]},
    ),
]


def test_bad_contracts_are_refused_with_the_field_at_fault(project, office):
    for kwargs, errors in BAD_CONTRACTS:
        with nothing_changed(), pytest.raises(ServiceError) as exc:
            services.generate_contract(project, actor=office, **kwargs)
        assert exc.value.errors == errors, kwargs
        assert exc.value.code == "contract_invalid"
        flat = [m for ms in errors.values() for m in ms]
        assert exc.value.message == (flat[0] if len(flat) == 1 else f"任务书有{len(flat)}处需要修改。")


def test_one_contract_per_arranged_project(contract, project, office):
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.generate_contract(project, actor=office)
    assert exc.value.code == "contract_exists"
    assert exc.value.message == "该项目已生成任务书。"
    Project.objects.filter(pk=project.pk).update(state="terminated")  # TEST SETUP ONLY (sanctions' state)
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.generate_contract(project, actor=office)
    assert exc.value.message == "项目当前状态为“已终止”，只有预算已安排、尚未签订任务书的项目才能生成任务书。"


def test_who_may_generate(project, finance, auditor, leader, unit_user, officer_of, it_department):
    for user in (finance, auditor, leader, unit_user, officer_of(it_department)):
        expected = NotVisible if user.roles() == {"department"} else NotAllowed
        with nothing_changed(), pytest.raises(expected):
            services.generate_contract(project, actor=user)


# ---------------------------------------------------------------- signing


def test_both_sides_sign_and_the_project_starts(contract, project, unit_user, dept_officer):
    services.sign_contract(contract, actor=unit_user, signatory=" 王海涛 ", today=SIGNED_ON)
    contract.refresh_from_db()
    assert (contract.state, contract.unit_signatory, contract.signed_on) == ("unit_signed", "王海涛", None)
    assert contract.unit_signed_by == unit_user and contract.owner_signed_at is None
    services.sign_contract(contract, actor=dept_officer, signatory="李明", today=SIGNED_ON)
    contract.refresh_from_db()
    project.refresh_from_db()
    assert (contract.state, contract.signed_on, project.state) == ("signed", SIGNED_ON, "in_progress")
    assert contract.tranches.get(seq=1).due_date == SIGNED_ON + dt.timedelta(days=30)
    assert [e.after["side"] for e in events("projects.contract.signed")] == ["unit", "owner"]
    (started,) = events("projects.project.started")
    assert started.before == {"state": "arranged"} and started.after == {"state": "in_progress"}


def test_the_owner_may_sign_first_and_the_office_signs_for_the_owner(contract, project, office, unit_user):
    services.sign_contract(contract, actor=office, signatory="办公室主任", today=SIGNED_ON)
    contract.refresh_from_db()
    assert contract.state == "owner_signed"
    services.sign_contract(contract, actor=unit_user, signatory="王海涛", today=SIGNED_ON)
    project.refresh_from_db()
    assert project.state == "in_progress"


def test_signing_refusals(contract, project, unit_user, dept_officer, office):
    services.sign_contract(contract, actor=unit_user, signatory="王海涛", today=SIGNED_ON)
    cases = [
        (unit_user, {"signatory": "王海涛"}, "already_signed", "承担单位（乙方）已于"),
        (dept_officer, {"signatory": " "}, "signatory_required", "请填写签署人姓名。"),
        (dept_officer, {"signatory": "名" * 51}, "signatory_too_long", "签署人姓名不能超过50个字符。"),
        (dept_officer, {"signatory": "李明", "side": "both"}, "side_invalid", "签署方“both”无效"),
        (
            office,
            {"signatory": "张三", "side": "unit"},
            "not_unit",
            "只有承担单位的人员才能以乙方身份签署任务书。",
        ),
        (
            unit_user,
            {"signatory": "王", "side": "owner"},
            "not_owner",
            "只有领导小组办公室或项目主管部门的人员",
        ),
        (
            dept_officer,
            {"signatory": "李明", "today": dt.date(2028, 11, 1)},
            "contract_expired",
            "签署日期2028-11-01已晚于任务书完成日期2028-10-31，不能签署",
        ),
    ]
    for actor, kwargs, code, message in cases:
        with nothing_changed(), pytest.raises(ServiceError) as exc:
            services.sign_contract(contract, actor=actor, **kwargs)
        assert exc.value.code == code and exc.value.message.startswith(message), (code, exc.value.message)


def test_no_signature_once_the_project_left_arranged(running, contract, dept_officer, project):
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.sign_contract(contract, actor=dept_officer, signatory="李明")
    assert exc.value.message == "项目当前状态为“执行中”，任务书不能再签署。"


def test_a_terminated_project_contract_cannot_be_signed(contract, project, unit_user):
    Project.objects.filter(pk=project.pk).update(state="terminated")  # TEST SETUP ONLY (sanctions' state)
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        services.sign_contract(contract, actor=unit_user, signatory="王海涛")
    assert exc.value.code == "project_not_arranged"


def test_who_may_sign(contract, finance, auditor, leader, officer_of, applicant_of, it_department):
    for user in (finance, auditor, leader):
        with nothing_changed(), pytest.raises(NotAllowed):
            services.sign_contract(contract, actor=user, signatory="某")
    for user in (officer_of(it_department), applicant_of(factories.organisation())):
        with nothing_changed(), pytest.raises(NotVisible):
            services.sign_contract(contract, actor=user, signatory="某")


def test_the_implementing_unit_signs_not_the_applicant(fund_year, office, leader, finance, applicant_of):
    """When the leading group named another implementing unit, the project and its contract belong to
    that unit: it signs as 乙方; the applicant organisation neither sees nor signs it."""
    implementer = factories.organisation(name="实施主体有限公司")
    item = make_final_item(fund_year, office, leader, implementing=implementer, title="联合攻关项目")
    project = services.arrange_item(item, actor=finance, statutory_approved=True)
    assert project.organisation == implementer and item.application.organisation != implementer
    contract = services.generate_contract(project, actor=office)
    assert "承担单位：实施主体有限公司" in contract.terms
    applicant = applicant_of(item.application.organisation)
    with nothing_changed(), pytest.raises(NotVisible):
        services.sign_contract(contract, actor=applicant, signatory="申报人")
    services.sign_contract(contract, actor=applicant_of(implementer), signatory="实施人", today=SIGNED_ON)
    contract.refresh_from_db()
    assert contract.state == "unit_signed" and contract.unit_signatory == "实施人"
