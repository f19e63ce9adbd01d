from django.conf import settings


def roles(request):
    user = getattr(request, "user", None)
    held = sorted(user.roles()) if user is not None and user.is_authenticated else []
    return {"user_roles": held, "site_title": settings.TECHFUND_TITLE}
