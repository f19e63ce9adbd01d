from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchState(models.TextChoices):
    DRAFT = "draft", _("拟定中")
    SUBMITTED = "submitted", _("已报领导小组")
    DECIDED = "decided", _("已审定")


class ItemState(models.TextChoices):
    PROPOSED = "proposed", _("建议立项")
    APPROVED = "approved", _("审定同意")
    REJECTED = "rejected", _("审定不同意")
    IN_PUBLICITY = "in_publicity", _("公示中")
    FINAL = "final", _("立项")
    WITHDRAWN = "withdrawn", _("异议成立，已撤销")


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("同意")
    MODIFY = "modify", _("调整后同意")
    REJECT = "reject", _("不同意")


class PublicityState(models.TextChoices):
    OPEN = "open", _("公示中")
    ENDED = "ended", _("公示期满")


class ObjectionState(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")
