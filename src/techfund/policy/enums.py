from django.db import models
from django.utils.translation import gettext_lazy as _


class EstablishmentMode(models.TextChoices):
    COMPETITIVE = "competitive", _("竞争立项")
    COMMISSIONED = "commissioned", _("定向委托")
    CHALLENGE = "challenge", _("组阁揭榜")
    COMPETITION = "competition", _("以赛代评")
    STABLE = "stable", _("稳定支持")


class SupportMode(models.TextChoices):
    GRANT = "grant", _("无偿资助")
    EQUITY = "equity", _("股权投资")
    INTEREST_SUBSIDY = "interest_subsidy", _("贷款贴息")
    RISK_COMPENSATION = "risk_compensation", _("风险补偿")
    POST_AWARD = "post_award", _("后补助")
