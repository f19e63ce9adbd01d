"""Charts of the report as inline SVG, drawn here (no plotting library): bar charts with one or more
series and pie charts. The same markup serves the web preview and the PDF (WeasyPrint renders SVG;
the text uses the CJK font of ``core/pdf/base.html``). The Excel workbook has native charts instead.
"""

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

PALETTE = ("#1f4e8c", "#c0504d", "#9bbb59", "#f79646", "#8064a2", "#4bacc6", "#7f7f7f", "#b3261e")
FONT = "Noto Sans CJK SC, sans-serif"
WIDTH = 640


def _num(v) -> float:
    return float(v or 0)


def _short(label: str, n: int = 8) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _fmt(v: float) -> str:
    if v >= 1e8:
        return _("%(v)s亿") % {"v": f"{v / 1e8:.2f}".rstrip("0").rstrip(".")}
    if v >= 1e4:
        return _("%(v)s万") % {"v": f"{v / 1e4:.1f}".rstrip("0").rstrip(".")}
    return f"{v:.0f}" if v == int(v) else f"{v:.2f}"


def _svg(height: int, body: list[str], title: str) -> str:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="11">'
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14" fill="#12366b">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _legend(names: list[str], y: int) -> list[str]:
    out, x = [], 60
    for i, name in enumerate(names):
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{escape(name)}</text>')
        x += 24 + 12 * len(name)
    return out


def _empty(title: str) -> str:
    return _svg(
        80,
        [f'<text x="{WIDTH / 2}" y="55" text-anchor="middle" fill="#666">{escape(_("暂无数据"))}</text>'],
        title,
    )


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list]]) -> str:
    values = [[_num(v) for v in vs] for _name, vs in series]
    top = max((v for vs in values for v in vs), default=0)
    if not categories or top <= 0:
        return _empty(title)
    height, left, right, plot_top, plot_bottom = 300, 70, 20, 50, 240
    plot_w, plot_h = WIDTH - left - right, plot_bottom - plot_top
    magnitude = 10 ** math.floor(math.log10(top))
    step = next(s * magnitude for s in (0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10) if top / (s * magnitude) <= 5)
    scale_top = step * math.ceil(top / step)
    body = _legend([name for name, _vs in series], 36)
    for i in range(int(round(scale_top / step)) + 1):
        v = i * step
        y = plot_bottom - v / scale_top * plot_h
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{escape(_fmt(v))}</text>'
        )
    group_w = plot_w / len(categories)
    bar_w = max(2.0, min(28.0, group_w * 0.8 / len(series)))
    for ci, cat in enumerate(categories):
        x0 = left + ci * group_w + (group_w - bar_w * len(series)) / 2
        for si, vs in enumerate(values):
            h = vs[ci] / scale_top * plot_h
            x = x0 + si * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{plot_bottom - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(cat)}：{escape(_fmt(vs[ci]))}</title></rect>'
            )
        cx = left + (ci + 0.5) * group_w
        body.append(
            f'<text x="{cx:.1f}" y="{plot_bottom + 14}" text-anchor="end" '
            f'transform="rotate(-30 {cx:.1f} {plot_bottom + 14})">{escape(_short(cat))}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{plot_bottom}" x2="{WIDTH - right}" y2="{plot_bottom}" stroke="#333"/>'
    )
    return _svg(height, body, title)


def pie_chart(title: str, categories: list[str], values: list) -> str:
    nums = [_num(v) for v in values]
    total = sum(nums)
    if total <= 0:
        return _empty(title)
    height, cx, cy, r = 260, 150, 145, 95
    body = []
    angle = -math.pi / 2
    for i, (cat, v) in enumerate(zip(categories, nums, strict=True)):
        color = PALETTE[i % len(PALETTE)]
        share = v / total
        if share >= 0.9999:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"/>')
        elif share > 0:
            end = angle + share * 2 * math.pi
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            large = 1 if share > 0.5 else 0
            body.append(
                f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                f'fill="{color}" stroke="#fff"><title>{escape(cat)}</title></path>'
            )
            angle = end
        y = 50 + i * 18
        if y < height - 10:
            body.append(f'<rect x="290" y="{y - 10}" width="10" height="10" fill="{color}"/>')
            body.append(
                f'<text x="306" y="{y}">{escape(_short(cat, 16))}  {escape(_fmt(v))}（{share * 100:.1f}%）</text>'
            )
    return _svg(height, body, title)


def render(section, chart) -> str:
    categories, series = section.chart_data(chart)
    if chart.kind == "pie":
        return pie_chart(chart.title, categories, series[0][1])
    return bar_chart(chart.title, categories, series)
