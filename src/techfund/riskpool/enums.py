from django.db import models
from django.utils.translation import gettext_lazy as _


class GuaranteeType(models.TextChoices):
    CREDIT = "credit", _("信用贷款")
    GUARANTEED = "guaranteed", _("担保贷款")
    IP_PLEDGE = "ip_pledge", _("知识产权质押贷款")


class LoanState(models.TextChoices):
    ACTIVE = "active", _("在贷")
    REPAID = "repaid", _("已结清")
    DEFAULTED = "defaulted", _("已违约")


class ClaimState(models.TextChoices):
    CLAIMED = "claimed", _("银行已申请，待管理机构审核")
    REVIEWED = "reviewed", _("管理机构已审核，待主管部门审批")
    APPROVED = "approved", _("主管部门已审批，待财政部门拨付")
    INSTRUCTED = "instructed", _("已下达国库支付指令，待国库确认")
    PAID = "paid", _("已拨付补偿资金")
    REFUSED = "refused", _("不予补偿")


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REFUSE = "refuse", _("不同意")


class MovementKind(models.TextChoices):
    FUND = "fund", _("注资")
    TOP_UP = "top_up", _("追加注资")
    RETURN = "return", _("年末结余退回领域配置")


#: Claims whose compensation is promised but not yet paid out of the pool: they count against the
#: pool's available balance.
COMMITTED_CLAIM_STATES = frozenset({ClaimState.APPROVED, ClaimState.INSTRUCTED})
#: Claims still open (a loan has at most one).
OPEN_CLAIM_STATES = frozenset(
    {ClaimState.CLAIMED, ClaimState.REVIEWED, ClaimState.APPROVED, ClaimState.INSTRUCTED}
)
#: Claims that count towards an enterprise's cumulative compensation.
COUNTED_CLAIM_STATES = frozenset({ClaimState.APPROVED, ClaimState.INSTRUCTED, ClaimState.PAID})
