"""A demo year driven through the services from the first call to next year's framework — the demo
generator at a fraction of its size — and what it must hold as a whole: every state of the intake
and of the projects populated, the ledger reconciled for both years, the audit chain intact, every
role within its scope. Used by test_rizhao_year.py and test_taian_year.py."""

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.decisions.enums import ObjectionState
from techfund.decisions.models import Objection
from techfund.demo.generator import generate
from techfund.emergency.models import EmergencyRequest
from techfund.evaluation.models import ComprehensiveEvaluation, NextYearProposal
from techfund.funds.enums import FrameworkState
from techfund.funds.models import Framework, FundYear
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from techfund.projects.enums import ContractState, ProjectState
from techfund.projects.models import Contract, Payment, Project
from techfund.reports.models import ReportRun
from techfund.sanctions.models import RecoveryOrder, SanctionOrder
from tests.lifecycle import checks

YEAR = 2026


def generated(preset: str):
    return generate(preset, YEAR, scale=0.15, log=lambda *a: None)


def check_the_year(demo, client) -> None:
    apps = Application.objects.filter(call__fund_year__year=2026)
    assert apps.count() >= 50
    # The intake funnel reaches a final list, with a project withdrawn after an upheld objection.
    assert apps.filter(state=ApplicationState.FINAL).exists()
    assert apps.filter(state=ApplicationState.WITHDRAWN).count() == 1
    assert set(Objection.objects.values_list("state", flat=True)) == {
        ObjectionState.UPHELD,
        ObjectionState.DISMISSED,
    }
    for state in (
        ApplicationState.DRAFT,
        ApplicationState.RETURNED,
        ApplicationState.REVIEWED,
        ApplicationState.IN_PUBLICITY,
        ApplicationState.NOT_APPROVED,
    ):
        assert apps.filter(state=state).exists(), state
    assert demo.counts[ApplicationState.FINAL] == apps.filter(state=ApplicationState.FINAL).count()

    # After the final list: every project state, and work on every desk.
    for state in ProjectState.values:
        assert Project.objects.filter(state=state).exists(), state
    assert set(Contract.objects.values_list("state", flat=True)) >= {
        ContractState.DRAFT,
        ContractState.UNIT_SIGNED,
        ContractState.SIGNED,
    }
    assert Payment.objects.filter(tranche__seq=2).exists() and Payment.objects.filter(tranche__seq=1).exists()
    assert Project.objects.filter(statutory_approved=False).exists()
    assert set(ProgressReport.objects.values_list("state", flat=True)) >= {"accepted", "returned"}
    assert set(Rectification.objects.values_list("state", flat=True)) >= {"issued", "closed"}
    assert set(Escalation.objects.values_list("state", flat=True)) >= {"open", "handled"}
    orders = set(SanctionOrder.objects.values_list("kind", "state"))
    assert orders >= {("suspend", "effective"), ("lift", "effective"), ("terminate", "effective")}
    assert ("terminate", "rejected") in orders
    assert set(RecoveryOrder.objects.values_list("state", flat=True)) >= {"open", "settled"}
    grades = set(ComprehensiveEvaluation.objects.filter(state="confirmed").values_list("grade", flat=True))
    assert grades == {"excellent", "good", "fair", "poor"}
    emergency = Project.objects.get(emergency=True)
    assert emergency.payments.exists() and emergency.contract.state == ContractState.SIGNED
    assert set(EmergencyRequest.objects.values_list("state", flat=True)) == {"approved", "rejected"}
    # 评价结果与以后年度预算安排挂钩: next year's framework, proposed from the grades, awaits the leading group.
    proposal = NextYearProposal.objects.get()
    assert proposal.framework.state == FrameworkState.SUBMITTED
    assert Framework.objects.filter(fund_year__year=2027, state=FrameworkState.SUBMITTED).exists()
    assert ReportRun.objects.filter(format="xlsx").exists()

    support_modes_all_present()

    for fy in FundYear.objects.all():
        checks.allocations_never_exceeded(fy)
    checks.chain_verifies()
    checks.scopes_hold(client)
    checks.project_scopes_hold(client)


def support_modes_all_present() -> None:
    """The demo year holds every support mode with money actually moved through the treasury:
    grants paid by tranche, an interest subsidy claim paid, a risk-compensation claim paid and a bank
    recovery returned to the pool, an equity stake paid and exited, a post-award payment; plus budget
    adjustments and spending, and treasury batches reconciled."""
    from techfund.awards.models import AwardPayment
    from techfund.budgets.models import Adjustment, Expenditure
    from techfund.equity.models import Exit, Stage
    from techfund.riskpool.models import BankRecovery, DefaultClaim
    from techfund.subsidies.models import SubsidyClaim
    from techfund.treasury.models import PaymentBatch, PaymentInstruction

    modes = set(Project.objects.values_list("support_mode", flat=True))
    assert modes >= {"grant", "equity", "interest_subsidy", "post_award"}, modes
    assert PaymentInstruction.objects.filter(state="confirmed").values("purpose").distinct().count() >= 4
    assert PaymentBatch.objects.exists()
    assert SubsidyClaim.objects.filter(state="paid").exists()
    assert DefaultClaim.objects.filter(state="paid").exists() and BankRecovery.objects.exists()
    assert Stage.objects.filter(state="paid").exists() and Exit.objects.exists()
    assert AwardPayment.objects.exists()
    assert Adjustment.objects.exists() and Expenditure.objects.exists()
