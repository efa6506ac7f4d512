"""German error page for a bare 405 response (the other error pages are templates: 400.html …).

Django has no template hook for 405: ``require_http_methods`` and class-based views return an
empty ``HttpResponseNotAllowed``. This middleware replaces such an empty answer by the KERN
error page and keeps its ``Allow`` header; a 405 with a body of its own (the API's JSON) stays.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = HttpResponse(render_to_string("405.html"), status=405)
        if "Allow" in response.headers:
            page["Allow"] = response.headers["Allow"]
        return page
