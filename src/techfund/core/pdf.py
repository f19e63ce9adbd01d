"""Printable documents (contracts, reports) as PDF, rendered from Django templates by WeasyPrint.

Chinese text needs a CJK font and the zh-CN language tag, or the glyphs come out in their Japanese
forms: templates extend ``core/pdf/base.html`` (``<html lang="zh-CN">``, Noto Sans/Serif CJK SC from
Debian's ``fonts-noto-cjk``, which ``make install`` adds). ``fonts_available()`` says whether the
font is on this machine, so a page can refuse with a clear message instead of printing boxes.
"""

import shutil
import subprocess
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string

CJK_FAMILY = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def fonts_available() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    ).stdout
    return CJK_FAMILY in out


def render_pdf(template_name: str, context: dict, *, request=None, **options) -> bytes:
    """The template rendered to PDF bytes (``options`` go to WeasyPrint's ``write_pdf``)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only document views need

    html = render_to_string(template_name, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else str(settings.STATIC_ROOT)
    return HTML(string=html, base_url=base_url).write_pdf(**options)
