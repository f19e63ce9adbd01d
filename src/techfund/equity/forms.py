"""Web forms of the equity stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields.

The cap table and the stages are typed one per line (``股东名称, 30`` in percent; ``金额, 条件, 日期``),
turned into the services' lists here; shares are entered in percent and passed on as fractions.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.core.forms import ServiceForm
from techfund.equity.enums import Decision, ExitKind, Instrument

DATE_ERRORS = {"invalid": _("请输入有效的日期，如 2026-12-31。")}


class DateInput(forms.DateInput):
    input_type = "date"


def _percent_to_fraction(text: str) -> str:
    t = (text or "").strip().rstrip("%％").strip()
    try:
        return str((Decimal(t) / 100).normalize())
    except (InvalidOperation, ValueError):
        return t


def parse_cap_table_lines(text: str) -> list[dict]:
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").rsplit(",", 1)]
        name, share = (parts + [""])[:2] if len(parts) == 2 else (parts[0], "")
        rows.append({"name": name, "share": _percent_to_fraction(share)})
    return rows


def parse_stage_lines(text: str) -> list[dict]:
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        parts += [""] * (3 - len(parts))
        rows.append(
            {"amount": parts[0].replace(" ", ""), "condition": parts[1], "due_date": parts[2] or None}
        )
    return rows


CAP_TABLE_HELP = _("每行一位股东：名称, 持股比例（%），如“王某某, 45”。填写投资（或本轮融资）后的股权结构。")


class RegisterForm(ServiceForm):
    instrument = forms.ChoiceField(label=_("投资方式"), choices=Instrument.choices)
    vehicle_name = forms.CharField(label=_("出资平台"), required=False, initial="市科技创新投资有限公司")
    vehicle_uscc = forms.CharField(label=_("出资平台统一社会信用代码"), required=False)
    amount = forms.CharField(label=_("投资金额（元）"), required=False)
    agreement_ref = forms.CharField(label=_("投资协议编号"), required=False)
    pre_money_valuation = forms.CharField(
        label=_("投前估值（元）"),
        required=False,
        help_text=_("股权直投、拨投结合填写投前估值或约定持股比例之一。"),
    )
    share_percent = forms.CharField(label=_("约定持股比例（%）"), required=False)
    cap_table_text = forms.CharField(
        label=_("投资后其他股东"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=CAP_TABLE_HELP,
    )
    evidence = forms.CharField(
        label=_("股权结构依据"), required=False, help_text=_("如：工商登记信息、股东名册、增资协议。")
    )
    stages_text = forms.CharField(
        label=_("出资计划"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一期：金额, 出资条件, 计划日期，如“2000000.00, 协议签订后, 2026-12-01”。"),
    )
    note = forms.CharField(label=_("说明"), required=False)
    field_map = {"share": "share_percent", "cap_table": "cap_table_text", "stages": "stages_text"}

    def apply_service_error(self, exc) -> None:
        # per-row errors (cap_table.2.share, stages.1.amount) go beside the text areas
        for key in list((exc.errors or {}).keys()):
            head = key.split(".", 1)[0]
            if head in ("cap_table", "stages") and key != head:
                exc.errors.setdefault(head, []).extend(exc.errors.pop(key))
        super().apply_service_error(exc)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        share = d["share_percent"].strip()
        return {
            "instrument": d["instrument"],
            "vehicle_name": d["vehicle_name"],
            "vehicle_uscc": d["vehicle_uscc"],
            "amount": d["amount"],
            "agreement_ref": d["agreement_ref"],
            "pre_money_valuation": d["pre_money_valuation"] or None,
            "share": _percent_to_fraction(share) if share else None,
            "cap_table": parse_cap_table_lines(d["cap_table_text"]),
            "evidence": d["evidence"],
            "stages": parse_stage_lines(d["stages_text"]),
            "note": d["note"],
        }


class ConversionForm(ServiceForm):
    round_name = forms.CharField(label=_("融资轮次"), required=False, help_text=_("如：A轮融资"))
    post_money_valuation = forms.CharField(label=_("本轮投后估值（元）"), required=False)
    round_date = forms.DateField(
        label=_("融资日期"), required=False, widget=DateInput, error_messages=DATE_ERRORS
    )
    amount = forms.CharField(
        label=_("转股金额（元）"), required=False, help_text=_("留空即全部已出资金额转股。")
    )
    cap_table_text = forms.CharField(
        label=_("本轮融资后其他股东"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=CAP_TABLE_HELP,
    )
    evidence = forms.CharField(
        label=_("依据"), required=False, help_text=_("如：本轮增资协议、工商变更登记。")
    )
    field_map = {"cap_table": "cap_table_text", "share": "amount"}

    def apply_service_error(self, exc) -> None:
        for key in list((exc.errors or {}).keys()):
            if key.startswith("cap_table."):
                exc.errors.setdefault("cap_table", []).extend(exc.errors.pop(key))
        super().apply_service_error(exc)


class StepForm(ServiceForm):
    reason = forms.CharField(label=_("事由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label=_("依据（文件或会议）"), required=False)


class ExitForm(StepForm):
    kind = forms.ChoiceField(label=_("退出方式"), choices=ExitKind.choices)
    proceeds = forms.CharField(label=_("退出所得（元）"), required=False, help_text=_("清算无所得时填 0。"))
    counterparty = forms.CharField(label=_("受让方或回购方"), required=False)


class DecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("确认意见"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择确认意见。"), "invalid_choice": _("请选择确认意见。")},
    )
    opinion = forms.CharField(
        label=_("财政部门意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意时必填。"),
    )


class ExitDecideForm(DecideForm):
    bank_ref = forms.CharField(label=_("银行到账凭证号"), required=False)
    received_on = forms.DateField(
        label=_("到账日期"), required=False, widget=DateInput, error_messages=DATE_ERRORS
    )
