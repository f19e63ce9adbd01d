"""This stage's part of each role's home page (registered in ``apps.py``).

- finance: instructions waiting to be put in a batch (one tile per fund year), batches sent and
  waiting for the treasury's confirmation, payee accounts waiting for verification (not its own);
- applicant: its organisation's payee account when none is verified yet and a project is in progress.
"""

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.funds.validation import fmt
from techfund.projects.enums import ProjectState
from techfund.treasury.enums import AccountState, BatchState, InstructionState
from techfund.treasury.scopes import visible_accounts, visible_batches, visible_instructions


def instructions_to_batch(user):
    rows = (
        visible_instructions(user)
        .filter(state=InstructionState.PENDING)
        .values("fund_year__year")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("fund_year__year")
    )
    for r in rows:
        yield Pending(
            title=_("%(y)s年度支付指令") % {"y": r["fund_year__year"]},
            url=reverse("treasury:workbench"),
            kind=_("支付指令待编入批次"),
            detail=_("%(n)d笔，合计 %(total)s 元") % {"n": r["n"], "total": fmt(r["total"])},
        )


def batches_to_confirm(user):
    for b in visible_batches(user).filter(state=BatchState.SENT).order_by("sent_at", "id"):
        yield Pending(
            title=b.number,
            url=reverse("treasury:batch_detail", args=[b.pk]),
            kind=_("支付批次已发送国库，待导入支付结果"),
            detail=_("发送于 %(d)s") % {"d": b.sent_at.date().isoformat()},
        )


def accounts_to_verify(user):
    qs = visible_accounts(user).filter(state=AccountState.PENDING).exclude(recorded_by=user)
    for a in qs.select_related("organisation"):
        yield Pending(
            title=a.organisation.name,
            url=reverse("treasury:account_detail", args=[a.organisation_id]),
            kind=_("收款账户待核验"),
            detail=f"{a.bank_name} {a.masked_number}",
        )


def account_missing(user):
    from techfund.core.models import Organisation

    # Only units with a project in progress (one that will be paid) are asked for their account.
    orgs = Organisation.objects.filter(
        pk__in=user.organisation_ids(), projects__state=ProjectState.IN_PROGRESS
    ).distinct()
    for org in orgs:
        if not visible_accounts(user).filter(organisation=org, state=AccountState.VERIFIED).exists():
            yield Pending(
                title=org.name,
                url=reverse("treasury:account_detail", args=[org.pk]),
                kind=_("请登记收款账户"),
                detail=_("财政资金通过国库直接支付到单位账户，账户须经财政部门核验。"),
            )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.FINANCE)(instructions_to_batch)
    register_pending(Role.FINANCE)(batches_to_confirm)
    register_pending(Role.FINANCE)(accounts_to_verify)
    register_pending(Role.APPLICANT)(account_missing)
    for role in (Role.OFFICE, Role.FINANCE, Role.LEADING_GROUP, Role.AUDITOR):
        register_link(role, "treasury:workbench", gettext_lazy("国库直通车支付"))
    register_link(Role.APPLICANT, "treasury:account_list", gettext_lazy("收款账户"))
    register_link(Role.FINANCE, "treasury:account_list", gettext_lazy("收款账户"))
