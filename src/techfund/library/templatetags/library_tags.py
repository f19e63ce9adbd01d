"""Template filters of the project library: ``{% load library_tags %}``.

- ``text|highlight:terms``   ``text`` escaped, each search term wrapped in ``<mark>``
- ``code|support_mode_label`` / ``code|establishment_mode_label``   a mode code as its label
"""

import re
import unicodedata

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from techfund.policy.enums import EstablishmentMode, SupportMode

register = template.Library()


def highlight_html(text, terms) -> str:
    """``text`` HTML-escaped with every occurrence of a term (case-insensitive) in ``<mark>``."""
    text = "" if text is None else str(text)
    words = sorted({t for t in (terms or []) if t}, key=len, reverse=True)
    if not words or not text:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    # Match on the NFKC form when it keeps the length (full-width letters), else on the text itself.
    folded = unicodedata.normalize("NFKC", text)
    haystack = folded if len(folded) == len(text) else text
    out, pos = [], 0
    for m in pattern.finditer(haystack):
        out.append(escape(text[pos : m.start()]))
        out.append(f"<mark>{escape(text[m.start() : m.end()])}</mark>")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


@register.filter
def highlight(text, terms):
    return mark_safe(highlight_html(text, terms))  # every piece is escaped by highlight_html


def _label(enum, value) -> str:
    if not value:
        return "—"
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


@register.filter
def support_mode_label(value) -> str:
    return _label(SupportMode, value)


@register.filter
def establishment_mode_label(value) -> str:
    return _label(EstablishmentMode, value)
