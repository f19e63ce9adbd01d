"""申请回避: the applicant names experts to exclude, up to the policy's limit, until review starts."""

import copy

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import Exclusion
from tests.review.conftest import make_application, nothing_saved


def add(app, who, name, org="", reason="存在竞争关系"):
    return services.add_exclusion(app, actor=who, name=name, organisation_name=org, reason=reason)


def set_limit(app, n):
    # TEST SETUP ONLY: the profile's table changed in place, as a newly loaded policy version would say.
    profile = app.call.fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["review"]["max_exclusions"] = n
    profile.save(update_fields=["rules"])


def test_up_to_the_policys_limit(call, org_x, applicant_x):
    app = make_application(call, organisation=org_x, until="submitted")
    assert app.call.fund_year.profile.rule("review.max_exclusions") == 3
    for name in ("王甲", "赵乙", "孙丙"):
        add(app, applicant_x, name, org="山东大学")
    ev = AuditEvent.objects.filter(action="review.exclusion.added").latest("seq")
    assert ev.role == "applicant" and ev.after == {
        "name": "孙丙",
        "organisation_name": "山东大学",
        "reason": "存在竞争关系",
    }
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        add(app, applicant_x, "钱丁")
    assert exc.value.message == "每个申报项目最多申请回避 3 名专家，已达上限。"
    assert Exclusion.objects.filter(application=app).count() == 3


def test_the_limit_follows_the_policy(call, org_x, applicant_x):
    app = make_application(call, organisation=org_x, until="submitted")
    set_limit(app, 1)
    add(app, applicant_x, "王甲")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        add(app, applicant_x, "赵乙")
    assert exc.value.message == "每个申报项目最多申请回避 1 名专家，已达上限。"
    set_limit(app, 0)
    services.remove_exclusion(Exclusion.objects.get(), actor=applicant_x)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        add(app, applicant_x, "赵乙")
    assert exc.value.message == "本年度政策不允许申请回避评审专家。"


def test_bad_input_and_duplicates(call, org_x, applicant_x):
    app = make_application(call, organisation=org_x, until="submitted")
    add(app, applicant_x, "王甲", org="山东大学")
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            add(app, applicant_x, " ", reason="")
        assert exc.value.errors == {"name": ["请填写回避专家姓名。"], "reason": ["请填写回避理由。"]}
        with pytest.raises(ServiceError) as exc:
            add(app, applicant_x, "王 甲", org="山东 大学")
        assert exc.value.message == "已申请回避专家王 甲。"


def test_only_the_applicant_organisation_changes_the_list(call, org_x, applicant_x, applicant, office):
    app = make_application(call, organisation=org_x, until="submitted")
    with nothing_saved():
        with pytest.raises(NotVisible):
            add(app, applicant, "王甲")
        with pytest.raises(NotAllowed):
            add(app, office, "王甲")
    e = add(app, applicant_x, "王甲")
    with nothing_saved():
        with pytest.raises(NotVisible):
            services.remove_exclusion(e, actor=applicant)
        with pytest.raises(NotAllowed):
            services.remove_exclusion(e, actor=office)


def test_the_list_closes_when_review_starts(draft_round, office, app1, applicant_x, expert_a):
    add(app1, applicant_x, "钱丁")  # formal check passed, no expert yet: still open
    services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            add(app1, applicant_x, "赵乙")
        assert exc.value.message == "申报项目 A-0001 已进入专家评审，不能再修改申请回避的专家。"
        with pytest.raises(ServiceError) as exc:
            services.remove_exclusion(Exclusion.objects.get(), actor=applicant_x)
        assert exc.value.code == "exclusions_closed"
    services.open_round(draft_round, actor=office)
    app1.refresh_from_db()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        add(app1, applicant_x, "赵乙")
    assert exc.value.message == "申报项目 A-0001 当前为“评审中”，不能再修改申请回避的专家。"


def test_an_exclusion_becomes_a_conflict(draft_round, office, app1, applicant_x, expert_a, expert_b):
    add(app1, applicant_x, "王甲", org="山东大学", reason="曾公开批评本单位")
    found = services.find_conflicts(draft_round, [app1], [expert_a, expert_b])
    assert found == {
        (app1.pk, expert_a.pk): [("excluded", "申报单位申请专家王甲（山东大学）回避：曾公开批评本单位")]
    }
