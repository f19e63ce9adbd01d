from django.db import models
from django.utils.translation import gettext_lazy as _


class Instrument(models.TextChoices):
    """投资方式 (the policy's ``equity.instruments`` lists which of them a city uses)."""

    DIRECT = "direct", _("股权直投")
    INVEST_THEN_EQUITY = "invest_then_equity", _("先投后股")
    GRANT_AND_INVEST = "grant_and_invest", _("拨投结合")


class InvestmentState(models.TextChoices):
    COMMITTED = "committed", _("已签约，待出资")
    INVESTED = "invested", _("已出资")
    CONVERTED = "converted", _("已转股")
    EXITED = "exited", _("已退出")
    WRITTEN_OFF = "written_off", _("已核销")


class StageState(models.TextChoices):
    PLANNED = "planned", _("待拨付")
    PAID = "paid", _("已拨付")
    CANCELLED = "cancelled", _("已取消")


class ExitKind(models.TextChoices):
    """退出方式 (the policy's ``equity.exits`` lists which of them a city allows)."""

    TRANSFER = "transfer", _("股权转让")
    SALE = "sale", _("出售")
    BUY_BACK = "buy_back", _("回购")
    LIQUIDATION = "liquidation", _("清算")


class StepState(models.TextChoices):
    """A two-person step (write-off, exit): the office proposes, finance confirms or rejects."""

    PROPOSED = "proposed", _("办公室已提出，待财政部门确认")
    CONFIRMED = "confirmed", _("财政部门已确认")
    REJECTED = "rejected", _("财政部门不同意")


class Decision(models.TextChoices):
    CONCUR = "concur", _("同意")
    REJECT = "reject", _("不同意")


#: Holdings that still hold the fund's money (the portfolio's open positions).
OPEN_STATES = frozenset({InvestmentState.COMMITTED, InvestmentState.INVESTED, InvestmentState.CONVERTED})
#: From which states a holding may exit.
EXITABLE_STATES = frozenset({InvestmentState.INVESTED, InvestmentState.CONVERTED})
