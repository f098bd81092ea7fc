"""Middleware of the platform's own."""

from __future__ import annotations

from core.api import handler404


class ApiNotFoundAsJsonMiddleware:
    """Under DEBUG, Django answers an unknown URL with its HTML debug page, whatever the path:
    a frontend talking to `make run` would get HTML where production gives the API's JSON
    error. This gives /api/ paths the production answer; other pages keep the debug page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return handler404(request)
        return response
