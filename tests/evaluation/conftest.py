"""Fixtures for acceptance and evaluation: the projects fixtures' paid project A (科技局, 4,000,000, first
tranche 2,400,000 paid) with its four KPIs — 发表高水平论文 higher 10 篇, 单位产品能耗 lower 50 千瓦时,
重大安全事故 zero 0 起 (output) and 带动产业技术升级 qualitative (outcome) — self-evaluated, accepted,
comprehensively evaluated; and ``more_projects`` to build further running projects through the
services for the grades and next-year tests.
"""

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

import pytest

from techfund.core.enums import Role
from techfund.core.models import Account, AuditEvent, JournalEntry, Posting
from techfund.decisions import services as decision_services
from techfund.evaluation import services as evaluation_services
from techfund.evaluation.models import (
    ComprehensiveEvaluation,
    KpiResult,
    NextYearLine,
    NextYearProposal,
    SelfEvaluation,
)
from techfund.funds.models import Allocation, Framework, FundYear
from techfund.projects import services as project_services
from techfund.projects.accounts import project_balances
from techfund.projects.models import Project
from tests import factories
from tests.decisions.conftest import START, make_application
from tests.projects.conftest import *  # noqa: F403
from tests.projects.conftest import FINAL_DAY, SIGNED_ON, add_targets

#: The day the unit self-evaluates (after the contract's end, 2028-10-31), and the office's and
#: finance's days after it.
EVAL_DAY = dt.date(2028, 11, 6)
ACCEPT_DAY = dt.date(2028, 11, 10)
REVIEW_DAY = dt.date(2028, 11, 20)
CONFIRM_DAY = dt.date(2028, 11, 25)
PAID = Decimal("2400000.00")

MODELS = (
    SelfEvaluation,
    KpiResult,
    ComprehensiveEvaluation,
    NextYearProposal,
    NextYearLine,
    Framework,
    Allocation,
    FundYear,
    JournalEntry,
    Posting,
    Account,
)
_serial = itertools.count(1)


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["projects"] = sorted(Project.objects.values_list("id", "state"))
    out["self_evaluations"] = sorted(SelfEvaluation.objects.values_list("id", "state", "total"))
    out["comprehensive"] = sorted(ComprehensiveEvaluation.objects.values_list("id", "state", "total"))
    out["proposals"] = sorted(NextYearProposal.objects.values_list("id", "state"))
    out["lines"] = sorted(NextYearLine.objects.values_list("id", "amount", "adjust_reason"))
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts that the block writes no evaluation record, no project move, no framework, no ledger
    entry and no audit event."""
    before = counts()
    yield
    assert counts() == before


def targets_of(project) -> dict:
    """The contract's targets by indicator type: higher, lower, zero, qualitative."""
    return {t.indicator_type: t for t in project.contract.targets.all()}


def results(project, *, higher="10", lower="50", zero="0", band="achieved", band_score="95", explain=None):
    """KPI inputs for the four targets (a full score with the defaults); ``explain`` maps an
    indicator type to its explanation."""
    t = targets_of(project)
    explain = explain or {}
    out = {
        t["higher"].pk: {"actual": higher, "explanation": explain.get("higher", "")},
        t["lower"].pk: {"actual": lower, "explanation": explain.get("lower", "")},
        t["zero"].pk: {"actual": zero, "explanation": explain.get("zero", "")},
        t["qualitative"].pk: {
            "band": band,
            "band_score": band_score,
            "explanation": explain.get("qualitative", ""),
        },
    }
    return out


def self_evaluate(project, user, *, spent=None, satisfaction="95", today=EVAL_DAY, **kpis):
    """Submit the unit's self-evaluation; ``spent`` defaults to everything that arrived."""
    if spent is None:
        spent = project_balances([project])[project.pk]["disbursed"]
    return evaluation_services.submit_self_evaluation(
        project,
        actor=user,
        summary="按任务书完成全部研究内容，形成示范应用。",
        spent=spent,
        satisfaction=satisfaction,
        results=results(project, **kpis),
        today=today,
    )


#: Comprehensive part scores that give each grade with the default weights 15/20/35/30.
GRADE_SCORES = {
    "excellent": {"decision": "95", "process": "92", "output": "96", "outcome": "90"},  # 93.25
    "good": {"decision": "85", "process": "85", "output": "85", "outcome": "85"},  # 85.00
    "fair": {"decision": "70", "process": "70", "output": "70", "outcome": "70"},  # 70.00
    "poor": {"decision": "50", "process": "55", "output": "40", "outcome": "45"},  # 46.00
}
OPINIONS = {
    "decision": "立项依据充分，绩效目标明确。",
    "process": "资金管理规范，组织实施有序。",
    "output": "产出指标基本完成。",
    "outcome": "效益逐步显现。",
}


def evaluate(project, *, office, finance, unit, grade="excellent", confirm=True):
    """Self-evaluate, accept, propose and (by default) confirm: the project ends with ``grade``."""
    ev = self_evaluate(project, unit)
    evaluation_services.accept_self_evaluation(ev, actor=office, today=ACCEPT_DAY)
    ce = evaluation_services.propose_comprehensive(
        project,
        actor=office,
        scores=GRADE_SCORES[grade],
        opinions=OPINIONS,
        signatory="赵办公",
        today=REVIEW_DAY,
    )
    if confirm:
        ce = evaluation_services.confirm_comprehensive(
            ce, actor=finance, signatory="钱财政", today=CONFIRM_DAY
        )
    return ce


@pytest.fixture
def self_ev(paid, project, unit_user):
    """A's self-evaluation with full marks on every KPI (total 98.00: 优)."""
    ev = self_evaluate(project, unit_user)
    project.refresh_from_db()
    return ev


@pytest.fixture
def accepted(self_ev, office):
    return evaluation_services.accept_self_evaluation(
        self_ev, actor=office, note="材料齐全。", today=ACCEPT_DAY
    )


@pytest.fixture
def proposed_ce(accepted, project, office):
    ce = evaluation_services.propose_comprehensive(
        project,
        actor=office,
        scores=GRADE_SCORES["excellent"],
        opinions=OPINIONS,
        conclusion="综合评价为优。",
        signatory="赵办公",
        today=REVIEW_DAY,
    )
    project.refresh_from_db()
    return ce


@pytest.fixture
def confirmed_ce(proposed_ce, project, finance):
    ce = evaluation_services.confirm_comprehensive(
        proposed_ce, actor=finance, signatory="钱财政", today=CONFIRM_DAY
    )
    project.refresh_from_db()
    return ce


# ---------------------------------------------------------------------------------------------
# More projects, through the decisions and projects services.


@pytest.fixture
def more_projects(fund_year, final_items, office, leader, finance, it_department):
    """``make(specs)`` builds running, paid projects of ``fund_year``: each spec is
    ``(title, area code, department, amount)``; returns ``[(project, unit user), …]``."""

    def make(specs):
        batch = decision_services.create_batch(fund_year, actor=office, title="")
        items, units = [], []
        for title, area, department, amount in specs:
            org = factories.organisation()
            app = make_application(
                fund_year,
                area=area,
                requested=amount,
                organisation=org,
                department=department,
                title=title,
                score="80.00",
            )
            add_targets(app)
            items.append(
                decision_services.propose_item(
                    batch, actor=office, application=app, amount=amount, support_mode="grant"
                )
            )
            units.append(org)
        decision_services.submit_batch(batch, actor=office)
        for item in items:
            decision_services.decide_item(item, actor=leader, decision="approve", basis="同意")
        p = decision_services.publish_publicity(fund_year, actor=office, items=items, starts_on=START)
        decision_services.end_publicity(p, actor=office, today=FINAL_DAY)
        out = []
        for item, org in zip(items, units, strict=True):
            item.refresh_from_db()
            project = project_services.arrange_item(item, actor=finance, statutory_approved=True)
            contract = project_services.generate_contract(project, actor=office)
            unit = factories.user(Role.APPLICANT, organisation=org)
            officer = factories.user(Role.DEPARTMENT, department=project.department)
            project_services.sign_contract(contract, actor=unit, signatory="乙方", today=SIGNED_ON)
            project_services.sign_contract(contract, actor=officer, signatory="甲方", today=SIGNED_ON)
            project_services.pay_tranche(
                contract.tranches.get(seq=1),
                actor=finance,
                treasury_ref=f"GKX-{next(_serial):05d}",
                paid_on=dt.date(2026, 10, 28),
                today=dt.date(2026, 11, 2),
            )
            project.refresh_from_db()
            out.append((project, unit))
        return out

    return make


@pytest.fixture
def graded_year(
    fund_year, paid, project, unit_user, more_projects, it_department, st_department, office, finance
):
    """Rizhao 2026 with five projects: A 重大专项/科技局 4,000,000 优; B 重大专项/工信局 3,000,000 中;
    C 重点研发/科技局 1,000,000 差; D 重点研发/科技局 1,500,000 not yet evaluated (in progress);
    E 重点研发/工信局 1,000,000 良. Returns ``{"A": project, …}``."""
    built = more_projects(
        [
            ("工业软件平台", "major_projects", it_department, "3000000.00"),
            ("智能传感器", "key_rd", st_department, "1000000.00"),
            ("海水淡化膜材料", "key_rd", st_department, "1500000.00"),
            ("工业机器人控制器", "key_rd", it_department, "1000000.00"),
        ]
    )
    (b, b_unit), (c, c_unit), (d, _d_unit), (e, e_unit) = built
    evaluate(project, office=office, finance=finance, unit=unit_user, grade="excellent")
    evaluate(b, office=office, finance=finance, unit=b_unit, grade="fair")
    evaluate(c, office=office, finance=finance, unit=c_unit, grade="poor")
    evaluate(e, office=office, finance=finance, unit=e_unit, grade="good")
    for p in (project, b, c, d, e):
        p.refresh_from_db()
    return {"A": project, "B": b, "C": c, "D": d, "E": e}
