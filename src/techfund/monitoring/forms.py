"""Web forms of this stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.monitoring.enums import ReviewDecision, SuggestedAction, VerifyDecision


def textarea(rows=4):
    return forms.Textarea(attrs={"rows": rows})


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(ServiceForm):
    period = forms.ChoiceField(label=_("报告期次"), required=False)
    progress = forms.CharField(
        label=_("项目进展情况"),
        widget=textarea(6),
        required=False,
        help_text=_("本报告期完成的主要工作、取得的成果。"),
    )
    milestones = forms.CharField(
        label=_("阶段目标完成情况"),
        widget=textarea(3),
        required=False,
        help_text=_("对照任务书进度安排逐项说明。"),
    )
    funds_spent = forms.CharField(
        label=_("累计使用财政资金（元）"),
        max_length=40,
        required=False,
        widget=MoneyInput,
        help_text=_("截至报送之日累计使用的财政资金，不能超过已拨付金额。"),
    )
    problems = forms.CharField(label=_("存在的问题及建议"), widget=textarea(3), required=False)

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [
            (
                str(p.number),
                _("第%(n)s期（%(start)s 至 %(end)s，%(due)s 前报送）%(flag)s")
                % {
                    "n": p.number,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "due": p.due.isoformat(),
                    "flag": _("【逾期】") if p.overdue else "",
                },
            )
            for p in periods
        ]


class ReviewForm(ServiceForm):
    field_map = {"issue": "rect_issue", "requirement": "rect_requirement", "deadline": "rect_deadline"}

    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核结论。")},
    )
    opinion = forms.CharField(
        label=_("审核意见"),
        widget=textarea(3),
        required=False,
        help_text=_("退回时必须填写需要补充或修改的内容。"),
    )
    rectify = forms.BooleanField(label=_("同时下达整改通知"), required=False)
    rect_issue = forms.CharField(label=_("存在的问题"), widget=textarea(3), required=False)
    rect_requirement = forms.CharField(label=_("整改要求"), widget=textarea(3), required=False)
    rect_deadline = forms.CharField(
        label=_("整改期限"), widget=DateInput, required=False, help_text=_("留空按政策默认期限。")
    )

    def rectification(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("rectify"):
            return None
        return {
            "issue": d["rect_issue"],
            "requirement": d["rect_requirement"],
            "deadline": d["rect_deadline"] or None,
        }


class RectificationForm(ServiceForm):
    issue = forms.CharField(label=_("存在的问题"), widget=textarea(4), required=False)
    requirement = forms.CharField(label=_("整改要求"), widget=textarea(4), required=False)
    deadline = forms.CharField(label=_("整改期限"), widget=DateInput, required=False)

    def __init__(self, *args, default_days: int, max_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].help_text = _("留空为自今天起%(d)s天；最长%(m)s天。") % {
            "d": default_days,
            "m": max_days,
        }


class RespondForm(ServiceForm):
    response = forms.CharField(
        label=_("整改情况"),
        widget=textarea(6),
        required=False,
        help_text=_("逐项说明整改措施和结果，可注明佐证材料。"),
    )


class VerifyForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("核验结论"),
        choices=VerifyDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核验结论。")},
    )
    opinion = forms.CharField(
        label=_("核验意见"), widget=textarea(3), required=False, help_text=_("整改不到位时必须填写。")
    )
    deadline = forms.CharField(
        label=_("新的整改期限"),
        widget=DateInput,
        required=False,
        help_text=_("仅“整改不到位”时适用；留空按政策默认期限。"),
    )


class EscalationForm(ServiceForm):
    summary = forms.CharField(label=_("问题摘要"), widget=textarea(5), required=False)
    suggested_action = forms.ChoiceField(
        label=_("建议处理方式"), choices=[("", "---------"), *SuggestedAction.choices], required=False
    )


class HandleForm(ServiceForm):
    field_map = {"action": "action"}

    action = forms.ChoiceField(label=_("处理方式"), choices=SuggestedAction.choices, required=False)
    decision = forms.CharField(
        label=_("办公室处理意见"),
        widget=textarea(4),
        required=False,
        help_text=_("暂停拨款、终止项目、追回资金请在记录处理意见后，通过“暂停、终止与追回”办理。"),
    )
