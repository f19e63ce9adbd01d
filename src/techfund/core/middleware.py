from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from techfund.core.context import new_request_id, reset_request_id, set_request_id


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) that its audit events carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if incoming and len(incoming) <= 64 and incoming.isascii() else new_request_id()
        request.request_id = rid
        token = set_request_id(rid)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = rid
        return response


class PasswordChangeRequiredMiddleware:
    """A person whose password must change (new account, reset) does that before anything else.

    Pages redirect to the change-password page; the API answers 403 with code
    ``password_change_required``. Logging out, switching language and static files stay open.
    """

    ALLOWED_URL_NAMES = frozenset({"password_change", "logout", "login", "set_language"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            blocked = self._blocked(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _blocked(self, request):
        static = "/" + settings.STATIC_URL.lstrip("/")
        if request.path.startswith(static):
            return None
        try:
            name = resolve(request.path_info).url_name
        except Resolver404:
            name = None
        if name in self.ALLOWED_URL_NAMES:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("请先修改初始密码。"), "code": "password_change_required"}, status=403
            )
        return redirect("password_change")
