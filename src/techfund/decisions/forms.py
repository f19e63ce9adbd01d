"""Web forms of this stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.decisions.enums import DecisionKind
from techfund.decisions.services.publicity import CONTACT_MAX, NAME_MAX, REASON_MAX
from techfund.policy.enums import SupportMode


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class BatchForm(ServiceForm):
    fund_year = forms.ChoiceField(label=_("年度"))
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        help_text=_("留空自动生成，如“2026年度第1批立项建议”。"),
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, fund_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_year"].choices = [(fy.year, fy.name) for fy in fund_years]


class ItemForm(ServiceForm):
    amount = forms.CharField(label=_("建议金额（元）"), max_length=40, required=False, widget=MoneyInput)
    support_mode = forms.ChoiceField(label=_("支持方式"))
    implementing_organisation = forms.CharField(
        label=_("实施主体（统一社会信用代码）"),
        max_length=30,
        required=False,
        help_text=_("留空即为申报单位。"),
    )
    note = forms.CharField(label=_("建议理由"), max_length=300, required=False)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        modes = call.support_modes or []
        self.fields["support_mode"].choices = [(m, _label(m)) for m in modes]


def _label(code):
    try:
        return SupportMode(code).label
    except ValueError:
        return code


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("审定意见"), choices=DecisionKind.choices, widget=forms.RadioSelect, required=False
    )
    amount = forms.CharField(
        label=_("调整后金额（元）"),
        max_length=40,
        required=False,
        widget=MoneyInput,
        help_text=_("仅“调整后同意”时填写，须小于建议金额。"),
    )
    basis = forms.CharField(label=_("审定依据"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PublicityForm(ServiceForm):
    items = forms.MultipleChoiceField(
        label=_("公示项目"), widget=forms.CheckboxSelectMultiple, required=False
    )
    starts_on = forms.DateField(
        label=_("公示开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空为下一个工作日。"),
        error_messages={"invalid": _("请输入有效的日期，如 2026-09-29。")},
    )
    title = forms.CharField(label=_("公示标题"), max_length=200, required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [
            (
                it.pk,
                f"{it.application.title}（{it.implementing_organisation.name}，{it.decided_amount:,.2f} 元）",
            )
            for it in items
        ]


class ResolveForm(ServiceForm):
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            ("dismissed", _("异议不成立（答复异议人）")),
            ("upheld", _("异议成立（撤销该项目立项并释放资金）")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择处理结果。")},
    )
    reply = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ObjectionForm(ServiceForm):
    """The public objection form. Messages are Chinese; limits are those of the service."""

    item = forms.ChoiceField(
        label=_("异议项目"),
        error_messages={"required": _("请选择异议项目。"), "invalid_choice": _("请选择本次公示中的项目。")},
    )
    name = forms.CharField(
        label=_("异议人姓名或单位"),
        max_length=NAME_MAX,
        error_messages={
            "required": _("请填写异议人姓名或单位。"),
            "max_length": _("不能超过%(limit_value)d个字符。"),
        },
    )
    contact = forms.CharField(
        label=_("联系方式"),
        max_length=CONTACT_MAX,
        help_text=_("电话或电子邮箱，仅用于办公室核实和答复，不公开。"),
        error_messages={
            "required": _("请填写联系方式。"),
            "max_length": _("不能超过%(limit_value)d个字符。"),
        },
    )
    reason = forms.CharField(
        label=_("异议内容"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明异议的具体事实和依据（不超过2000个字符）。"),
        error_messages={
            "required": _("请填写异议内容。"),
            "max_length": _("不能超过%(limit_value)d个字符。"),
        },
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "---------")] + [
            (str(it.pk), f"{it.application.title}（{it.implementing_organisation.name}）") for it in items
        ]
