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
