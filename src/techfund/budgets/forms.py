"""Web forms of this stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.budgets.enums import CATEGORY_ORDER, BudgetCategory, Decision, Funding
from techfund.core.forms import ServiceForm

DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class DateInput(forms.DateInput):
    input_type = "date"


class AdjustForm(ServiceForm):
    """The new amount of each category (left as is: unchanged) and the reason."""

    reason = forms.CharField(label=_("调剂理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for c in CATEGORY_ORDER:
            self.fields[c] = forms.CharField(
                label=_("%(cat)s调剂后（元）") % {"cat": BudgetCategory(c).label},
                required=False,
                max_length=40,
                widget=MoneyInput,
                initial=f"{current.get(c, 0):.2f}",
            )
        self.order_fields([*CATEGORY_ORDER, "reason"])
        self.field_map = {"amounts": "__all__"}

    def amounts(self) -> dict:
        return {c: self.cleaned_data.get(c) for c in CATEGORY_ORDER}


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择同意或不同意。"), "invalid_choice": _("请选择同意或不同意。")},
    )
    opinion = forms.CharField(
        label=_("意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意时必须填写理由。"),
    )


class ExpenditureForm(ServiceForm):
    spent_on = forms.DateField(
        label=_("支出日期"), required=False, widget=DateInput, error_messages=DATE_ERRORS
    )
    category = forms.ChoiceField(label=_("预算科目"), choices=BudgetCategory.choices)
    funding = forms.ChoiceField(label=_("资金来源"), choices=Funding.choices, initial=Funding.FISCAL)
    amount = forms.CharField(label=_("金额（元）"), required=False, max_length=40, widget=MoneyInput)
    voucher_no = forms.CharField(label=_("凭证号"), required=False)
    description = forms.CharField(label=_("摘要"), required=False)
    field_map = {"expenditure": "__all__"}


class ImportForm(ServiceForm):
    file = forms.FileField(
        label=_("财务账簿导出表（.xlsx）"),
        help_text=_(
            "第1行为列名：支出日期、预算科目、资金来源、金额（元）、凭证号、摘要；资金来源可省略（视为财政资金）。"
        ),
        error_messages={"required": _("请选择要导入的文件。")},
    )
