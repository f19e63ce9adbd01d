"""PDF rendering with a Chinese font: the document embeds Noto Sans/Serif CJK SC and prints the
amount in capital numerals — the groundwork for contracts (任务书) and reports."""

import re
from decimal import Decimal

from techfund.core import pdf
from techfund.core.numerals import yuan_in_words


def test_the_cjk_font_is_installed():
    assert pdf.fonts_available(), "Debian fonts-noto-cjk is needed (`make install` adds it)"


def test_a_chinese_document_renders_with_the_cjk_font(tmp_path, settings):
    template = tmp_path / "doc.html"
    template.write_text(
        '{% extends "core/pdf/base.html" %}{% block body %}<h1>任务书</h1>'
        "<p>资助金额：{{ amount }} 元（大写：{{ words }}）</p>{% endblock %}",
        encoding="utf-8",
    )
    # Assigning (not mutating) TEMPLATES sends setting_changed, which resets the template engines.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    amount = Decimal("1234567.89")
    context = {"amount": f"{amount:,.2f}", "words": yuan_in_words(amount)}
    assert pdf.render_pdf("doc.html", context).startswith(b"%PDF-")
    data = pdf.render_pdf("doc.html", context, uncompressed_pdf=True)  # to read the font names
    assert data.startswith(b"%PDF-")
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", data))
    assert {b"Noto-Serif-CJK-SC", b"Noto-Sans-CJK-SC-Bold"} <= fonts, fonts
