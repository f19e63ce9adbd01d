"""The 资金来源追溯 report's page, Excel export and API (``techfund.funds.trace``).

Office, finance, leading group and auditor read it; a department officer (who sees the fund year)
gets 403; anyone without the fund pages gets 404, as on the other fund pages.
"""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from openpyxl import Workbook
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from techfund.core.api import ERRORS, MONEY
from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.views.helpers import require_can
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.funds import trace
from techfund.funds.scopes import sees_fund, visible_fund_years

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


def _year(request, year: int):
    if not sees_fund(request.user):
        raise Http404
    fy = get_object_or_404(visible_fund_years(request.user).select_related("profile"), year=year)
    require_can(request.user, "funds.view_trace", fy)
    return fy


@login_required
def trace_report(request, year: int):
    fy = _year(request, year)
    rep = trace.report(fy)
    return render(
        request,
        "funds/trace.html",
        {
            "fund_year": fy,
            "report": rep,
            "measures": [(m, trace.MEASURE_LABELS[m]) for m in trace.MEASURES],
            "checks": rep.checks(),
        },
    )


def _money_cells(ws, row: dict) -> list:
    return [cell(ws, float(row[m]), number_format=MONEY_FORMAT) for m in trace.MEASURES]


def workbook(rep, *, cover) -> tuple[bytes, int]:
    wb = Workbook(write_only=True)
    measure_cols = [(f"{trace.MEASURE_LABELS[m]}（{_('元')}）", 18) for m in trace.MEASURES]
    src_cols = [(_("资金来源"), 28), (_("来源部门"), 18), (_("级次"), 8), (_("入池金额（元）"), 18)]
    ws = add_data_sheet(wb, _("按来源"), [*src_cols, *measure_cols], freeze="A2")
    rows = 0
    for r in rep.source_rows():
        s = r["source"]
        ws.append(
            [
                cell(ws, s.name),
                cell(ws, s.department),
                cell(ws, s.level_label),
                cell(ws, float(s.weight), number_format=MONEY_FORMAT),
                *_money_cells(ws, r),
            ]
        )
        rows += 1
    for cut in rep.cuts:
        ws = add_data_sheet(
            wb,
            cut.label,
            [
                (_("资金来源"), 28),
                (_("来源部门"), 18),
                (_("级次"), 8),
                (cut.label.replace("按", ""), 28),
                *measure_cols,
            ],
            freeze="A2",
        )
        for r in cut.rows():
            s = r["source"]
            ws.append(
                [
                    cell(ws, s.name),
                    cell(ws, s.department),
                    cell(ws, s.level_label),
                    cell(ws, r["value"]),
                    *_money_cells(ws, r),
                ]
            )
            rows += 1
        for r in cut.value_rows():
            ws.append(
                [cell(ws, _("合计")), cell(ws, ""), cell(ws, ""), cell(ws, r["value"]), *_money_cells(ws, r)]
            )
    ws = add_data_sheet(
        wb,
        _("对账"),
        [(_("核对项目"), 48), (_("分摊或报表合计（元）"), 20), (_("账簿（元）"), 20), (_("结果"), 10)],
        freeze="A2",
    )
    for c in rep.checks():
        ws.append(
            [
                cell(ws, str(c["label"])),
                cell(ws, float(c["left"]), number_format=MONEY_FORMAT),
                cell(ws, float(c["right"]), number_format=MONEY_FORMAT),
                cell(ws, _("一致") if c["ok"] else _("不一致")),
            ]
        )
    add_cover_sheet(wb, [*cover, (_("归集规则"), rep.rule)], count=rows)
    return workbook_bytes(wb), rows


@login_required
def trace_export(request, year: int):
    fy = _year(request, year)
    role = require(request.user, "funds.view_trace", fy)
    rep = trace.report(fy)
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("年度"), str(fy.year)),
        (_("导出人"), f"{request.user.get_username()}（{request.user}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("对账结果"), _("一致") if rep.reconciled else _("不一致")),
    ]
    content, rows = workbook(rep, cover=cover)
    with transaction.atomic():
        audit.record("funds.trace.exported", actor=request.user, role=role, target=fy, data={"rows": rows})
    response = HttpResponse(content, content_type=XLSX)
    filename = f"trace-{fy.year}-{now:%Y%m%d-%H%M%S}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------- API


class _Amounts(serializers.Serializer):
    committed = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    returned = serializers.DecimalField(**MONEY)
    written_off = serializers.DecimalField(**MONEY)
    released = serializers.DecimalField(**MONEY)


class TraceSourceSerializer(_Amounts):
    source_type = serializers.CharField()
    department = serializers.CharField()
    level = serializers.CharField()
    contributed = serializers.DecimalField(**MONEY)


class TraceCellSerializer(_Amounts):
    source_type = serializers.CharField()
    department = serializers.CharField()
    level = serializers.CharField()
    value = serializers.CharField()


class TraceCutSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    rows = TraceCellSerializer(many=True)
    totals = _Amounts()


class TraceCheckSerializer(serializers.Serializer):
    label = serializers.CharField()
    left = serializers.DecimalField(**MONEY)
    right = serializers.DecimalField(**MONEY)
    ok = serializers.BooleanField()


class TraceReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rule = serializers.CharField()
    reconciled = serializers.BooleanField()
    sources = TraceSourceSerializer(many=True)
    cuts = TraceCutSerializer(many=True)
    ledger = _Amounts()
    checks = TraceCheckSerializer(many=True)


def report_data(rep) -> dict:
    def src(s):
        return {"source_type": s.name, "department": s.department, "level": s.level}

    return {
        "year": rep.fund_year.year,
        "rule": rep.rule,
        "reconciled": rep.reconciled,
        "sources": [
            {**src(r["source"]), "contributed": r["source"].weight, **{m: r[m] for m in trace.MEASURES}}
            for r in rep.source_rows()
        ],
        "cuts": [
            {
                "code": c.code,
                "label": c.label,
                "rows": [
                    {**src(r["source"]), "value": r["value"], **{m: r[m] for m in trace.MEASURES}}
                    for r in c.rows()
                ],
                "totals": c.totals,
            }
            for c in rep.cuts
        ],
        "ledger": rep.ledger,
        "checks": [{**c, "label": str(c["label"])} for c in rep.checks()],
    }


class TraceReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="资金来源追溯：按来源出资比例归集的安排、拨付、追回与释放",
        responses={200: TraceReportSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request, year: int):
        if not sees_fund(request.user):
            raise Http404
        fy = get_object_or_404(visible_fund_years(request.user), year=year)
        require(request.user, "funds.view_trace", fy)
        return Response(TraceReportSerializer(report_data(trace.report(fy))).data)
