"""REST API of expert review: plans. register(router) adds its viewsets (called by api_urls)."""


def register(router) -> None:
    return None
