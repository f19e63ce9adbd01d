"""Web forms of risk compensation. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.riskpool.enums import Decision, GuaranteeType

DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class DateInput(forms.DateInput):
    input_type = "date"


def _money(label, **kw):
    return forms.CharField(label=label, required=False, max_length=40, widget=MoneyInput, **kw)


def _date(label, **kw):
    return forms.DateField(label=label, required=False, widget=DateInput, error_messages=DATE_ERRORS, **kw)


class FundForm(ServiceForm):
    amount = _money(_("注资金额（元）"))
    note = forms.CharField(label=_("说明"), required=False)


class LoanForm(ServiceForm):
    borrower = forms.CharField(
        label=_("借款企业统一社会信用代码"),
        required=False,
        max_length=18,
        help_text=_("须为已登记的科技型中小企业。"),
    )
    contract_number = forms.CharField(label=_("借款合同编号"), required=False, max_length=60)
    principal = _money(_("贷款本金（元）"))
    rate = forms.CharField(label=_("贷款年利率（%）"), required=False, max_length=20)
    benchmark_rate = forms.CharField(
        label=_("发放时基准利率（%）"),
        required=False,
        max_length=20,
        help_text=_("留空则取参考利率表中放款日适用的LPR。"),
    )
    benchmark_basis = forms.CharField(
        label=_("基准利率依据"),
        required=False,
        help_text=_("如：2026年1月一年期LPR 3.45%（银行提供的公告）。"),
    )
    start_date = _date(_("放款日期"))
    term_months = forms.IntegerField(label=_("期限（月）"), required=False, min_value=1)
    guarantee_type = forms.ChoiceField(label=_("担保方式"), choices=GuaranteeType.choices, required=False)
    first_loan = forms.BooleanField(label=_("首次贷款"), required=False)
    evidence = forms.CharField(label=_("证明材料"), required=False)


class FilingForm(ServiceForm):
    month = _date(_("备案月份"), help_text=_("该月任一日期。"))
    outstanding = _money(_("月末贷款余额（元）"))
    filed_on = _date(_("备案日期"), help_text=_("留空为今天。"))


class ClaimForm(ServiceForm):
    default_date = _date(_("违约日期"))
    loss = _money(_("本金损失（元）"))
    other_public = _money(
        _("其他财政资金补偿（元）"), help_text=_("省级资金池、政府性融资担保等对同一损失的补偿；没有填 0。")
    )
    evidence = forms.CharField(label=_("证明材料"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("意见"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择同意或不同意。"), "invalid_choice": _("请选择同意或不同意。")},
    )
    opinion = forms.CharField(
        label=_("意见说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意时必须填写理由。"),
    )


class RecoveryForm(ServiceForm):
    amount = _money(_("银行追回金额（元）"))
    recovered_on = _date(_("追回日期"))
    evidence = forms.CharField(label=_("银行证明材料"), required=False)


class BankForm(ServiceForm):
    organisation = forms.CharField(
        label=_("银行统一社会信用代码"), required=False, max_length=18, help_text=_("须为已登记的金融机构。")
    )
    code = forms.CharField(
        label=_("代码"), required=False, max_length=32, help_text=_("用于账户编码，如 rzbank。")
    )
    agreement_ref = forms.CharField(label=_("合作协议编号"), required=False)
    agreement_start = _date(_("协议生效日期"))
    agreement_end = _date(_("协议到期日期"))
    bank_share = forms.CharField(
        label=_("银行自担损失比例"), required=False, help_text=_("如 0.3 表示 30%。")
    )


class PoolForm(ServiceForm):
    fund_year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, choices=())
    bank = forms.TypedChoiceField(label=_("合作银行"), coerce=int, required=False, choices=())
    focus_area = forms.ChoiceField(label=_("资金来源领域"), required=False, choices=())
    department = forms.ChoiceField(label=_("主管部门"), required=False, choices=())

    def __init__(self, *args, years, banks, areas, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_year"].choices = [(y.pk, y.year) for y in years]
        self.fields["bank"].choices = [(b.pk, str(b)) for b in banks]
        self.fields["focus_area"].choices = areas
        self.fields["department"].choices = [(d.code, d.name) for d in departments]
