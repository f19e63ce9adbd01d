"""REST API of expert review: meetings. register(router) adds its viewsets (called by api_urls)."""


def register(router) -> None:
    return None
