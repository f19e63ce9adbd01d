"""Web forms of this stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.sanctions.enums import Decision, SanctionKind

DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class DateInput(forms.DateInput):
    input_type = "date"


def _reason():
    return forms.CharField(
        label=_("事由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明事实经过（如中期检查、审计或整改中发现的问题）。"),
    )


def _basis():
    return forms.CharField(
        label=_("依据（文件或会议）"),
        required=False,
        help_text=_("如：领导小组办公室会议纪要〔2026〕12号；审计报告文号。"),
    )


class ProposeForm(ServiceForm):
    kind = forms.ChoiceField(
        label=_("处置类别"),
        choices=SanctionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择处置类别。"), "invalid_choice": _("请选择处置类别。")},
    )
    reason = _reason()
    basis = _basis()

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, SanctionKind(k).label) for k in kinds]


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("会签意见"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择同意或不同意。"), "invalid_choice": _("请选择同意或不同意。")},
    )
    opinion = forms.CharField(
        label=_("财政部门意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意时必须填写理由。"),
    )


class RecoveryForm(ServiceForm):
    amount = forms.CharField(label=_("追回金额（元）"), required=False, max_length=40, widget=MoneyInput)
    deadline = forms.DateField(
        label=_("缴回期限"), required=False, widget=DateInput, error_messages=DATE_ERRORS
    )
    reason = _reason()
    basis = _basis()


class ReceiptForm(ServiceForm):
    amount = forms.CharField(label=_("缴回金额（元）"), required=False, max_length=40, widget=MoneyInput)
    treasury_ref = forms.CharField(label=_("国库缴款凭证号"), required=False)
    received_on = forms.DateField(
        label=_("缴回日期"),
        required=False,
        widget=DateInput,
        error_messages=DATE_ERRORS,
        help_text=_("留空为今天。"),
    )
    note = forms.CharField(label=_("备注"), required=False)
