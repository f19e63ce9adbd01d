"""Web forms of 贷款贴息. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.subsidies.enums import RateKind, Tenor

DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class DateInput(forms.DateInput):
    input_type = "date"


def _date(label, **kw):
    return forms.DateField(label=label, required=False, widget=DateInput, error_messages=DATE_ERRORS, **kw)


def _money(label, **kw):
    return forms.CharField(label=label, required=False, max_length=40, widget=MoneyInput, **kw)


class LoanForm(ServiceForm):
    bank = forms.CharField(label=_("贷款银行"), required=False, max_length=100)
    contract_number = forms.CharField(label=_("借款合同编号"), required=False, max_length=60)
    principal = _money(_("贷款本金（元）"))
    annual_rate = forms.CharField(
        label=_("合同年利率（%）"), required=False, max_length=20, help_text=_("如 3.45 表示年利率 3.45%。")
    )
    start_date = _date(_("贷款起始日"))
    maturity_date = _date(_("贷款到期日"))
    purpose = forms.CharField(label=_("贷款用途"), required=False, max_length=300)


class DrawdownForm(ServiceForm):
    drawn_on = _date(_("放款日期"))
    amount = _money(_("放款金额（元）"))


class RepaymentForm(ServiceForm):
    repaid_on = _date(_("还本日期"))
    amount = _money(_("归还本金（元）"))


class InterestForm(ServiceForm):
    period_start = _date(_("计息起始日"))
    period_end = _date(_("计息截止日"))
    amount = _money(_("实付利息（元）"))
    paid_on = _date(_("付息日期"))
    receipt_ref = forms.CharField(label=_("银行付息凭证号"), required=False, max_length=60)
    evidence = forms.FileField(label=_("凭证文件（扫描件，可选）"), required=False)


class ClaimForm(ServiceForm):
    period_start = _date(_("贴息期间起"))
    period_end = _date(_("贴息期间止"))


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("意见"),
        choices=[("concur", _("同意")), ("reject", _("不同意（退回）"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择同意或不同意。"), "invalid_choice": _("请选择同意或不同意。")},
    )
    opinion = forms.CharField(
        label=_("意见说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意时必须填写理由。"),
    )


class RateForm(ServiceForm):
    kind = forms.ChoiceField(label=_("利率类别"), choices=RateKind.choices)
    tenor = forms.ChoiceField(label=_("期限品种"), choices=Tenor.choices)
    effective_from = _date(_("起始执行日期"))
    rate = forms.CharField(label=_("年利率（%）"), required=False, max_length=20)
    source = forms.CharField(
        label=_("来源"),
        required=False,
        max_length=300,
        help_text=_("如：全国银行间同业拆借中心公告（2025-05-20）。"),
    )
