from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("已报领导小组，待审定")
    APPROVED = "approved", _("领导小组同意，已直接立项")
    REJECTED = "rejected", _("领导小组不同意")
