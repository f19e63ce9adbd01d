from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", _("在库")
    SUSPENDED = "suspended", _("暂停")
    BANNED = "banned", _("禁入")


class ReviewMethod(models.TextChoices):
    REMOTE = "remote", _("通讯评审")
    MEETING = "meeting", _("会议论证")
    SITE_VISIT = "site_visit", _("现场考核")
    COMPETITION = "competition", _("以赛代评")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("评审中")
    CLOSED = "closed", _("已结束")


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("已分配")
    ACCEPTED = "accepted", _("已接受")
    SUBMITTED = "submitted", _("已评分")
    DECLINED = "declined", _("已回避/拒绝")


class Recommendation(models.TextChoices):
    SUPPORT = "support", _("建议支持")
    SUPPORT_REVISED = "support_revised", _("修改后支持")
    NOT_SUPPORT = "not_support", _("不建议支持")


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("人工指定")
    RANDOM = "random", _("随机抽取")
    OPTIMAL = "optimal", _("最优匹配")


class PlanState(models.TextChoices):
    COMPUTING = "computing", _("计算中")
    READY = "ready", _("待确认")
    FAILED = "failed", _("计算失败")
    RELEASED = "released", _("已发布")
    DISCARDED = "discarded", _("已作废")


class ConflictRule(models.TextChoices):
    SAME_ENTITY = "same_entity", _("同一法人单位（含上下级单位）")
    COLLABORATOR = "collaborator", _("近年合作（共同申报或项目成员）")
    SAME_BATCH = "same_batch", _("专家本人同批次申报")
    DECLARED = "declared", _("专家申报的利益关系")
    EXCLUDED = "excluded", _("申报单位申请回避")


class Relationship(models.TextChoices):
    RELATIVE = "relative", _("近亲属")
    TEACHER_STUDENT = "teacher_student", _("师生关系")
    ECONOMIC = "economic", _("经济利益关系")
    OTHER = "other", _("其他可能影响公正的关系")


class PanelRole(models.TextChoices):
    CHAIR = "chair", _("组长")
    MEMBER = "member", _("成员")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("待召开")
    HELD = "held", _("已召开")


class AgendaReason(models.TextChoices):
    DISAGREEMENT = "disagreement", _("评分分歧较大")
    SELECTED = "selected", _("办公室安排论证")


class ResultBasis(models.TextChoices):
    SCORES = "scores", _("专家评分")
    VOTES = "votes", _("会议表决")
    SITE_VISIT = "site_visit", _("现场考核")
