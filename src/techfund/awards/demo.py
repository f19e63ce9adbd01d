"""The demo's slice of post-award subsidies and competition prizes, in an already-executed demo
year, through this stage's services (and the projects and treasury services they rely on).

``populate(fund_year, *, rng, actors)`` with ``actors`` the demo's users: ``office``, ``leader``,
``finance``, ``departments`` (``{department code: officer}``) and, optionally, ``applicant_for``
(``organisation → applicant user``; without it an existing applicant of the organisation is used).

- every 以赛代评 call: due diligence on the policy's share of its finalists (the top-ranked; the
  last one checked is found wanting when there are six or more); the intake runs it before the office
  proposes the finalists at their prizes (``prize_schedule``);
- every post-award project of the year not yet paid (final items still unarranged are arranged by
  finance first): its subsidy agreement drawn up and signed where the execution left it unsigned, the
  achievement verified by the managing department (general post-award), the unit's payee account
  recorded and verified, the payment instructed; the first two instructions are batched, sent and
  confirmed by the treasury, so the year shows post-award money paid as well as money on its way.
"""

import datetime as dt
import math

from django.utils import timezone

from techfund.awards import services
from techfund.awards.enums import AwardKind
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.projects import services as projects


def _applicant(actors, org):
    finder = actors.get("applicant_for")
    if finder is not None:
        return finder(org)
    grant = org.grants.filter(role=Role.APPLICANT, revoked_at__isnull=True).select_related("user").first()
    return grant.user if grant else None


def due_diligence(fund_year, actors, counts) -> None:
    """Due diligence on the policy's share of every competition's finalists (the intake calls this
    before it proposes the prizes, so the prize for each rank is what the office proposes)."""
    office = actors["office"]
    today = timezone.localdate()
    for call in fund_year.calls.filter(establishment_mode=EstablishmentMode.COMPETITION).order_by("code"):
        sched = services.prize_schedule(call)
        if not sched.lines:
            continue
        need = sched.diligence_required or math.ceil(len(sched.lines) / 3)
        todo = [ln for ln in sched.lines if ln.diligence is None][: max(need - sched.diligence_done, 0)]
        for i, ln in enumerate(todo):
            closed = ln.result.round.closed_at
            day = min(timezone.localdate(closed) + dt.timedelta(days=3 + i) if closed else today, today)
            wanting = len(sched.lines) >= 6 and i == len(todo) - 1 and i > 0
            services.record_diligence(
                call,
                actor=office,
                application=ln.application,
                conducted_on=day,
                investigators="领导小组办公室 项目管理科、第三方会计师事务所",
                findings=(
                    "核查营业执照、近两年财务审计报告、研发费用台账与知识产权证书，实地查看生产研发场地。"
                    + (
                        "发现研发投入数据与审计报告不一致，核心专利权属存在争议。"
                        if wanting
                        else "参赛材料真实，团队与场地情况属实。"
                    )
                ),
                conclusion="concerns" if wanting else "confirmed",
            )
            counts["due_diligence"] += 1


def _pay_confirmed(instructions, finance, counts) -> None:
    from techfund.treasury.services.batches import create_batch, export_batch
    from techfund.treasury.services.confirmations import import_confirmations

    if not instructions:
        return
    fy = instructions[0].fund_year
    batch = create_batch(fy, actor=finance, instructions=instructions)
    export_batch(batch, actor=finance, fmt="csv")
    today = timezone.localdate()
    lines = ["指令编号,支付凭证号,金额,银行账号,支付日期,状态"]
    for i in instructions:
        i.refresh_from_db()
        lines.append(f"{i.number},GKJB{i.pk:08d},{i.amount},{i.account_number},{today.isoformat()},已支付")
    record = import_confirmations(
        batch, "\n".join(lines).encode("utf-8"), actor=finance, filename="奖补回单.csv", today=today
    )
    counts["award_payments"] += record.matched


def _payee(org, actors, counts):
    from techfund.treasury import services as treasury

    if treasury.active_account(org) is not None:
        return
    unit = _applicant(actors, org)
    if unit is None:
        return
    acct = treasury.record_account(
        org,
        actor=unit,
        account_name=org.name,
        bank_name="中国银行日照分行" if org.pk % 2 else "中国工商银行分行营业部",
        account_number=f"62170{org.pk:014d}",
        bank_code="104473000012",
    )
    treasury.verify_account(acct, actor=actors["finance"], approve=True)
    counts["payee_accounts"] += 1


def _post_award_projects(fund_year, actors, rng, counts) -> None:
    from techfund.awards.models import AwardPayment, AwardVerification
    from techfund.projects.enums import ContractState, ProjectState
    from techfund.projects.models import Contract, Project
    from techfund.treasury.services import pending_amount

    office, finance = actors["office"], actors["finance"]
    today = timezone.localdate()
    # Final post-award items nobody arranged yet (the demo's execution arranges every mode).
    for item in ProposalItem.objects.filter(
        batch__fund_year=fund_year,
        state=ItemState.FINAL,
        project__isnull=True,
        support_mode=SupportMode.POST_AWARD,
    ).order_by("batch__number", "id"):
        projects.arrange_item(
            item, actor=finance, statutory_approved=True, note=f"列入{fund_year.year}年度后补助（奖补）预算"
        )
        counts["post_award_arranged"] += 1
    instructed = []
    paid = AwardPayment.objects.values("project_id")
    for project in (
        Project.objects.filter(fund_year=fund_year, support_mode=SupportMode.POST_AWARD)
        .exclude(pk__in=paid)
        .select_related("organisation", "department", "item__application__call")
        .order_by("number")
    ):
        counts["post_award_projects"] += 1
        unit = _applicant(actors, project.organisation)
        officer = actors["departments"].get(project.department.code, office)
        contract = Contract.objects.filter(project=project).first()
        if contract is None and project.state == ProjectState.ARRANGED:
            start = today.replace(day=1)
            end = start + dt.timedelta(days=364)
            # The application's milestones were planned for a research project's period; a post-award
            # agreement has one: the achievement verified within its year.
            contract = projects.generate_contract(
                project,
                actor=office,
                start_date=start,
                end_date=end,
                milestones=[{"due_date": end, "description": "完成成果核实并拨付奖补资金"}],
            )
        if contract is not None and contract.state != ContractState.SIGNED and unit is not None:
            if contract.unit_signed_at is None:
                projects.sign_contract(
                    contract,
                    actor=unit,
                    signatory=project.organisation.contact_name or "单位负责人",
                    today=today,
                )
            if contract.owner_signed_at is None:
                projects.sign_contract(contract, actor=officer, signatory="业务处负责人", today=today)
        project.refresh_from_db()
        if project.state != ProjectState.IN_PROGRESS:
            continue
        if (
            services.kind_of(project) == AwardKind.SUBSIDY
            and officer is not office
            and not AwardVerification.objects.filter(project=project).exists()
        ):
            spending = (project.amount * rng.choice([2, 3, 4])).quantize(project.amount)
            services.verify_achievement(
                project,
                actor=officer,
                evidence="项目验收报告、专项审计报告及支出明细（发票、合同、银行流水）已核对。",
                eligible_spending=spending,
            )
            counts["verifications"] += 1
        if not project.statutory_approved or pending_amount(project):
            continue
        _payee(project.organisation, actors, counts)
        try:
            instructed.append(services.instruct_payment(project, actor=finance))
            counts["award_instructions"] += 1
        except ServiceError:
            counts["award_not_instructed"] += 1
    _pay_confirmed(instructed[:2], finance, counts)


def populate(fund_year, *, rng, actors) -> dict:
    from collections import defaultdict

    counts: dict = defaultdict(int)
    due_diligence(fund_year, actors, counts)
    _post_award_projects(fund_year, actors, rng, counts)
    return dict(counts)
