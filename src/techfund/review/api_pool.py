"""REST API of expert review: pool. register(router) adds its viewsets (called by api_urls)."""


def register(router) -> None:
    return None
