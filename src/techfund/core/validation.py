"""Input checks every stage's services share: collect each problem under its field, then refuse once.

errors: dict = {}
title = text(data.get("title"), field="title", label=_("标题"), max_length=200, required=True, errors=errors)
...
raise_errors(errors, "request_invalid", _("申请有%(n)d处需要修改。") % {"n": …})
"""

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError


def raise_errors(errors: dict, code: str, default_message: str) -> None:
    """One ``ServiceError`` for every problem found: the only message when there is one, else
    ``default_message``; each message beside its field."""
    if not errors:
        return
    msgs = [m for ms in errors.values() for m in ms]
    raise ServiceError(msgs[0] if len(msgs) == 1 else default_message, code=code, errors=errors)


def text(value, *, field: str, label: str, max_length: int, required: bool, errors: dict) -> str:
    """Stripped text; a missing or too long value adds its message to ``errors`` under ``field``."""
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": max_length}
        )
    return value
