from django.db import models
from django.utils.translation import gettext_lazy as _


class DiligenceConclusion(models.TextChoices):
    CONFIRMED = "confirmed", _("情况属实，可予奖补")
    CONCERNS = "concerns", _("存在问题，不予奖补")


class AwardKind(models.TextChoices):
    PRIZE = "prize", _("以赛代评奖补")
    SUBSIDY = "subsidy", _("后补助")
