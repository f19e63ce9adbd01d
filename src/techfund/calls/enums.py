from django.db import models
from django.utils.translation import gettext_lazy as _


class CallState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已截止")
    CANCELLED = "cancelled", _("已撤销")
