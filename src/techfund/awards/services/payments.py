"""后补助 payments: the managing department verifies, finance instructs the treasury, the treasury's
confirmation records the payment.

- A **competition prize** project pays its whole arranged amount (the prize) in one go.
- A **general post-award** project pays what the managing department approved when it verified the
  achievement evidence: ``eligible spending × post_award.subsidy_ratio``, rounded half up to the fen,
  within ``post_award.per_project_cap`` and the arranged amount (``techfund.awards.prizes.subsidy``).
  With ``post_award.verification_required`` the payment waits for that verification, and finance's
  instructing officer may not be the person who verified.

Either way the project must be in progress (its subsidy agreement signed by both sides, not
suspended) with its budget approved by statute. ``instruct_payment`` creates the treasury instruction
(purpose ``post_award``, the project as its source) — refused while one is pending, or once paid.
When the treasury confirms it, ``on_confirmed`` moves commitment → disbursed and records the
``AwardPayment``; post-award pays once, so whatever the commitment still holds (an approved subsidy
below the arranged amount) is released to the focus area in the same transaction.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.awards import prizes
from techfund.awards.enums import AwardKind
from techfund.awards.models import TEXT_MAX, AwardPayment, AwardVerification
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.core.validation import raise_errors, text
from techfund.decisions.accounts import area_account
from techfund.funds.accounts import data_language
from techfund.funds.validation import amount as parse_amount
from techfund.funds.validation import fmt
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.projects import accounts
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects
from techfund.projects.services._common import lock_project, parse_date, today_or

PURPOSE = "post_award"
ZERO = ledger.ZERO


def kind_of(project) -> str:
    """Competition prize (以赛代评) or general post-award subsidy."""
    item = project.item
    if item is not None and item.application.call.establishment_mode == EstablishmentMode.COMPETITION:
        return AwardKind.PRIZE
    return AwardKind.SUBSIDY


def _policy(project) -> dict:
    rule = project.fund_year.profile.rule
    cap = rule("post_award.per_project_cap")
    return {
        "ratio": Decimal(str(rule("post_award.subsidy_ratio", "1"))),
        "cap": Decimal(str(cap)) if cap not in (None, "") else None,
        "verification_required": bool(rule("post_award.verification_required", True)),
    }


def _verification(project) -> AwardVerification | None:
    return AwardVerification.objects.filter(project=project).first()


def payable(project) -> tuple[str, Decimal | None, AwardVerification | None]:
    """(kind, the amount to pay or None while a verification is awaited, the verification)."""
    kind = kind_of(project)
    unpaid = ledger.balance(accounts.commitment_account(project))
    if kind == AwardKind.PRIZE:
        return kind, unpaid, None
    v = _verification(project)
    if v is not None:
        return kind, min(v.approved_amount, unpaid), v
    if not _policy(project)["verification_required"]:
        return kind, unpaid, None
    return kind, None, None


def _check_post_award(project) -> None:
    if project.support_mode != SupportMode.POST_AWARD:
        raise ServiceError(
            _("项目 %(n)s 的支持方式为“%(m)s”，不是后补助。")
            % {"n": project.number, "m": SupportMode(project.support_mode).label},
            code="not_post_award",
        )


@transaction.atomic
def verify_achievement(
    project, *, actor, evidence: str, eligible_spending, today: dt.date | None = None
) -> AwardVerification:
    """The managing department verifies a general post-award project's achievement evidence and its
    eligible spending; the subsidy is computed from the policy (ROUND_HALF_UP to the fen)."""
    project = lock_project(project)
    role = require(actor, "awards.verify", project, visible=visible_projects(actor))
    _check_post_award(project)
    if kind_of(project) == AwardKind.PRIZE:
        raise ServiceError(
            _("项目 %(n)s 是以赛代评奖补，按名次奖项拨付，无需核定补助金额。") % {"n": project.number},
            code="prize_needs_no_verification",
        )
    if _verification(project) is not None:
        raise ServiceError(
            _("项目 %(n)s 已核验，不能重复核验。") % {"n": project.number}, code="already_verified"
        )
    if project.state not in (ProjectState.IN_PROGRESS, ProjectState.ARRANGED):
        raise ServiceError(
            _("项目 %(n)s 当前状态为“%(s)s”，不能核验。")
            % {"n": project.number, "s": ProjectState(project.state).label},
            code="project_state",
        )
    errors: dict = {}
    evidence = text(
        evidence,
        field="evidence",
        label=_("成果与验收证明"),
        max_length=TEXT_MAX,
        required=True,
        errors=errors,
    )
    spending = None
    try:
        spending = parse_amount(eligible_spending, field="eligible_spending", label=_("核定合规支出"))
    except ServiceError as exc:
        errors.update(exc.errors)
    raise_errors(errors, "verification_invalid", _("核验有%(n)d处需要修改。") % {"n": len(errors)})
    policy = _policy(project)
    approved = prizes.subsidy(spending, policy["ratio"], cap=policy["cap"], arranged=project.amount)
    v = AwardVerification.objects.create(
        project=project,
        evidence=evidence,
        eligible_spending=spending,
        ratio=policy["ratio"],
        cap=policy["cap"],
        approved_amount=approved,
        verified_by=actor,
        verified_on=today_or(today),
    )
    audit.record(
        "awards.verification.recorded",
        actor=actor,
        role=role,
        target=v,
        after={"eligible_spending": spending, "approved_amount": approved},
        data={
            "project": project.pk,
            "ratio": policy["ratio"],
            "cap": policy["cap"],
            "arranged": project.amount,
            "rule": "min(round_half_up(eligible × ratio), cap, arranged)",
        },
        reason=evidence,
    )
    return v


@transaction.atomic
def instruct_payment(project, *, actor, memo: str = ""):
    """Finance instructs the treasury to pay the post-award project (in one go)."""
    from techfund.treasury import services as treasury

    project = lock_project(project)
    role = require(actor, "awards.instruct", project, visible=visible_projects(actor))
    _check_post_award(project)
    ctx = {"n": project.number}
    if project.state == ProjectState.SUSPENDED:
        raise ServiceError(_("项目 %(n)s 已暂停拨款，解除暂停前不能拨付。") % ctx, code="payments_suspended")
    if project.state != ProjectState.IN_PROGRESS:
        raise ServiceError(
            _("项目 %(n)s 当前状态为“%(s)s”，补助协议签订、项目执行中方可拨付。")
            % {**ctx, "s": ProjectState(project.state).label},
            code="project_not_payable",
        )
    if not project.statutory_approved:
        raise ServiceError(
            _("项目 %(n)s 的预算尚未确认按法定程序批准，不能拨付。") % ctx, code="not_statutory_approved"
        )
    if AwardPayment.objects.filter(project=project).exists():
        raise ServiceError(
            _("项目 %(n)s 的奖补资金已拨付，后补助一次拨付，不能再拨。") % ctx, code="already_paid"
        )
    pending = treasury.pending_amount(project)
    if pending > 0:
        raise ServiceError(
            _("项目 %(n)s 已有 %(a)s 元的支付指令待国库确认，不能重复生成。") % {**ctx, "a": fmt(pending)},
            code="already_instructed",
        )
    kind, value, verification = payable(project)
    if value is None:
        raise ServiceError(
            _("项目 %(n)s 尚未经主管部门核验成果和合规支出，不能拨付后补助。") % ctx, code="not_verified"
        )
    if verification is not None and verification.verified_by_id == actor.pk:
        raise ServiceError(
            _("核验与拨付须由不同人员办理：您核验了项目 %(n)s，不能再为其生成支付指令。") % ctx,
            code="same_person",
        )
    if value <= 0:
        raise ServiceError(_("项目 %(n)s 没有可拨付的承诺余额。") % ctx, code="nothing_to_pay")
    with data_language():
        label = str(AwardKind(kind).label)
        memo = (memo or "").strip() or (
            _("%(kind)s：%(n)s %(t)s") % {"kind": label, "n": project.number, "t": project.title}
        )
    instruction = treasury.instruct(
        actor=actor,
        purpose=PURPOSE,
        source=project,
        payee=project.organisation,
        amount=value,
        fund_year=project.fund_year,
        project=project,
        memo=memo[:200],
    )
    audit.record(
        "awards.payment.instructed",
        actor=actor,
        role=role,
        target=project,
        after={"instruction": instruction.number, "amount": value, "kind": kind},
        data={"verification": verification.pk if verification else None},
    )
    return instruction


def on_confirmed(instruction, *, actor, paid_on, treasury_ref):
    """The treasury paid the instruction: commitment → disbursed, the payment recorded, and the rest of
    the commitment released to the focus area (post-award pays once). Runs in the import's transaction."""
    project = lock_project(instruction.project)
    value = ledger.money(instruction.amount)
    kind, _amount, verification = payable(project)
    day = parse_date(paid_on, field="paid_on", label=_("支付日期"))
    year = project.fund_year.year
    with data_language():
        memo = _("直通车拨付奖补：%(n)s %(a)s 元（%(ref)s）") % {
            "n": project.number,
            "a": fmt(value),
            "ref": treasury_ref,
        }
    entry = ledger.transfer(
        accounts.commitment_account(project),
        accounts.disbursed_account(project),
        value,
        code="awards.payment.made",
        memo=memo,
        year=year,
        actor=actor,
        ref=project,
    )
    left = ledger.balance(accounts.commitment_account(project))
    release = None
    if left > 0:
        with data_language():
            memo = _("后补助 %(n)s 按核定金额一次拨付，释放结余 %(a)s 元回%(area)s") % {
                "n": project.number,
                "a": fmt(left),
                "area": project.focus_area.name,
            }
        release = ledger.transfer(
            accounts.commitment_account(project),
            area_account(year, project.focus_area),
            left,
            code="awards.post_award.released",
            memo=memo,
            year=year,
            actor=actor,
            ref=project,
        )
    payment = AwardPayment.objects.create(
        project=project,
        kind=kind,
        instruction=instruction,
        amount=value,
        paid_on=day,
        treasury_ref=treasury_ref,
        instructed_by_id=instruction.created_by_id,
        verification=verification,
        recorded_by=actor,
        entry=entry,
        released_amount=left if release else ZERO,
        release_entry=release,
    )
    audit.record(
        "awards.payment.made",
        actor=actor,
        role="finance",
        target=payment,
        after={
            "amount": value,
            "paid_on": day,
            "treasury_ref": treasury_ref,
            "released": payment.released_amount,
        },
        data={"project": project.pk, "instruction": instruction.pk, "entry": entry.pk, "kind": kind},
    )
    return entry


def paid_total(project) -> Decimal:
    p = AwardPayment.objects.filter(project=project).first()
    return p.amount if p else ZERO
