"""Web forms of the treasury pages. They check shape only; the services check everything else."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm


class AccountForm(ServiceForm):
    account_name = forms.CharField(label=_("户名"), required=False, help_text=_("须与单位登记名称完全一致。"))
    bank_name = forms.CharField(
        label=_("开户银行"), required=False, help_text=_("如：中国工商银行日照分行营业部")
    )
    account_number = forms.CharField(
        label=_("银行账号"), required=False, help_text=_("8至32位数字，可含空格。")
    )
    bank_code = forms.CharField(
        label=_("联行号"), required=False, help_text=_("12位数字（大额支付系统行号）。")
    )


class VerifyForm(ServiceForm):
    approve = forms.TypedChoiceField(
        label=_("核验结果"),
        choices=[("1", _("核验通过")), ("0", _("核验不通过"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核验结果。")},
    )
    opinion = forms.CharField(label=_("核验意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(ServiceForm):
    reason = forms.CharField(label=_("撤销原因"), required=False)


class BatchForm(ServiceForm):
    fund_year = forms.TypedChoiceField(
        label=_("年度"), coerce=int, error_messages={"required": _("请选择年度。")}
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_year"].choices = [(y.pk, y.name) for y in years]


class ImportForm(ServiceForm):
    file = forms.FileField(
        label=_("国库支付结果文件"),
        help_text=_(
            "Excel（.xlsx）或CSV：指令编号、支付凭证号、金额、银行账号、支付日期、状态（已支付/退回）、退回原因。"
        ),
        error_messages={"required": _("请选择要导入的文件。")},
    )


class InstructForm(ServiceForm):
    amount = forms.CharField(
        label=_("支付金额（元）"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "money"}),
        help_text=_("不填则为本期尚未拨付且未生成指令的全部金额。"),
    )
    memo = forms.CharField(label=_("用途说明"), required=False)
