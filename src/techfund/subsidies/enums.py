from django.db import models
from django.utils.translation import gettext_lazy as _


class RateKind(models.TextChoices):
    """The reference rates the policy may cap the subsidised rate at (``interest_subsidy.reference_rate``)."""

    LPR = "lpr", _("贷款市场报价利率（LPR）")
    BENCHMARK = "benchmark", _("贷款基准利率")


class Tenor(models.TextChoices):
    ONE_YEAR = "1y", _("一年期")
    FIVE_YEAR = "5y", _("五年期以上")


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("草稿（企业填报中）")
    SUBMITTED = "submitted", _("企业已提交，待主管部门审核")
    VERIFIED = "verified", _("主管部门已审核，待财政部门审批")
    APPROVED = "approved", _("财政部门已审批，待下达支付指令")
    INSTRUCTED = "instructed", _("已下达国库支付指令，待国库确认")
    PAID = "paid", _("已拨付")
    REJECTED = "rejected", _("未通过")


class CapKind(models.TextChoices):
    """What bound a claim's amount below Σ segments (empty when nothing did)."""

    INTEREST_PAID = "interest_paid", _("实际支付的利息")
    ENTERPRISE = "enterprise", _("每家企业贴息上限")
    COMMITMENT = "commitment", _("项目未拨付的安排资金")


#: Claims that count against the per-enterprise cap, the once-per-enterprise rule and the project's
#: commitment: submitted and not rejected (drafts do not count until submitted).
LIVE_STATES = frozenset(
    {ClaimState.SUBMITTED, ClaimState.VERIFIED, ClaimState.APPROVED, ClaimState.INSTRUCTED, ClaimState.PAID}
)
#: Claims whose money has not yet left the project's commitment (paid ones already moved it).
IN_FLIGHT_STATES = frozenset(
    {ClaimState.SUBMITTED, ClaimState.VERIFIED, ClaimState.APPROVED, ClaimState.INSTRUCTED}
)
