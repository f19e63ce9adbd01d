"""Fixtures of assignment plans: jobs run eagerly (after the commit the test captures), four
applications with subject codes and seven experts, two of one university and one of the first
application's own organisation (a conflict of interest)."""

from types import SimpleNamespace

import numpy as np
import pytest
from django.test import override_settings

from techfund.applications.models import Application
from techfund.core.models import Job
from techfund.review import services
from techfund.review.models import Assignment, AssignmentPlan, ConflictFinding, PlannedPair
from techfund.review.services import plans
from tests import factories
from tests.review.conftest import make_application, make_expert


@pytest.fixture(scope="module", autouse=True)
def _eager_jobs():
    """Module-scoped, so that fixtures set up once per module (tests/sharing.py) run with it too."""
    with override_settings(TECHFUND_JOBS="eager"):
        yield


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """``with run_jobs(): ...`` runs the jobs started in the block when it ends (as after a commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def plan_counts() -> dict:
    return {
        "plans": AssignmentPlan.objects.count(),
        "jobs": Job.objects.count(),
        "pairs": PlannedPair.objects.count(),
        "assignments": Assignment.objects.count(),
        "findings": ConflictFinding.objects.count(),
    }


def pairs_of(plan) -> list[tuple[int, int]]:
    return list(plan.pairs.order_by("application_id", "expert_id").values_list("application_id", "expert_id"))


@pytest.fixture
def world(call, office, org_x):
    """Applications (subject codes): A-0001 深远海养殖平台 (F0102, of org_x), A-0002 港口调度 (F0103),
    A-0003 海水淡化膜 (E05), A-0004 (no code). Experts, each at most 3 per round:

    王甲 and 李丁 of 山东大学 (F01), 赵乙 (F0102), 孙丙 (F0103), 周戊 of org_x (F0102: conflicts with
    A-0001), 吴己 (E05), 郑庚 (E0501)."""
    apps = [
        make_application(call, organisation=org_x, title="深远海养殖平台关键技术"),
        make_application(call, title="港口智能调度系统"),
        make_application(call, title="海水淡化膜材料"),
        make_application(call, title="海洋牧场生态监测"),
    ]
    codes = ["F0102", "F0103", "E05", ""]
    abstracts = [
        "深远海 养殖 平台 锚泊 系统 设计",
        "港口 集装箱 智能 调度 算法",
        "海水 淡化 反渗透 膜 材料 制备",
        "海洋 牧场 生态 监测 传感器",
    ]
    for app, code, abstract in zip(apps, codes, abstracts, strict=True):
        Application.objects.filter(pk=app.pk).update(subject_code=code, abstract=abstract)
    sdu = factories.organisation(name="山东大学")
    spec = [
        ("王甲", sdu, "", ["F01"], ["深远海", "养殖", "平台"]),
        ("李丁", sdu, "", ["F01"], ["港口", "调度"]),
        ("赵乙", None, "中国海洋大学", ["F0102"], ["养殖", "锚泊"]),
        ("孙丙", None, "青岛科技大学", ["F0103"], ["集装箱", "调度", "算法"]),
        ("周戊", org_x, "", ["F0102"], ["深远海", "养殖"]),
        ("吴己", None, "哈尔滨工程大学", ["E05"], ["淡化", "膜"]),
        ("郑庚", None, "中国科学院海洋研究所", ["E0501"], ["反渗透", "膜", "海洋", "牧场"]),
    ]
    experts = {}
    for name, org, org_name, subjects, keywords in spec:
        experts[name] = make_expert(
            office,
            name=name,
            organisation=org,
            organisation_name=org_name,
            subjects=subjects,
            keywords=keywords,
            max_load=3,
        )
    round_ = services.create_round(
        call,
        actor=office,
        name="通讯评审",
        method="remote",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
    )
    return SimpleNamespace(
        round=round_,
        apps=[Application.objects.get(pk=a.pk) for a in apps],
        experts=experts,
        sdu=sdu,
        office=office,
    )


@pytest.fixture
def make_plan(world, office, run_jobs):
    """``make_plan(mode="optimal", **kw)``: create the plan and run its job; the plan, refreshed."""

    def _make(mode="optimal", *, round_=None, actor=None, **kw):
        kw.setdefault("k", 3)
        with run_jobs():
            plan = plans.create_plan(round_ or world.round, actor=actor or office, mode=mode, **kw)
        plan.refresh_from_db()
        return plan

    return _make


def assert_valid(plan, *, k=3):
    """No conflicted pair, at most k per application, loads kept, one expert per organisation."""
    from techfund.review.services import conflicts
    from techfund.review.services.plans import org_key

    rows = list(plan.pairs.select_related("expert__organisation"))
    found = conflicts.find_conflicts(
        plan.round, {r.application_id for r in rows}, {r.expert_id for r in rows}
    )
    assert not [(r.application_id, r.expert_id) for r in rows if (r.application_id, r.expert_id) in found]
    per_app = np.bincount([r.application_id for r in rows]) if rows else np.zeros(1)
    assert per_app.max() <= k
    per_expert: dict[int, int] = {}
    orgs: dict[int, set] = {}
    for r in rows:
        per_expert[r.expert_id] = per_expert.get(r.expert_id, 0) + 1
        key = org_key(r.expert.organisation.name if r.expert.organisation else r.expert.organisation_name)
        assert key not in orgs.setdefault(r.application_id, set()), "two experts of one organisation"
        orgs[r.application_id].add(key)
    for r in rows:
        assert per_expert[r.expert_id] <= r.expert.max_load
