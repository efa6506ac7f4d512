"""Bounded uploads: files above ``KITAPLAN_MAX_UPLOAD_MB`` are refused before any parsing.

Django's own limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) covers form fields, not files, and answers
with a bare 400. Here:

- :class:`UploadLimitMiddleware` answers an API request whose ``Content-Length`` is over the
  limit with 413 and a JSON error, without reading the body;
- :class:`SizeLimitUploadHandler` (first in ``FILE_UPLOAD_HANDLERS``) drops the file of a page
  upload that is over the limit (by its ``Content-Length``, or while it arrives), so no file is
  stored or read; the form fields still arrive, and the page shows :func:`too_large_message`
  as a form error (:func:`upload_refused`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

_REFUSED = "_kitaplan_upload_too_large"


def max_upload_bytes() -> int:
    return int(settings.KITAPLAN_MAX_UPLOAD_MB) * 1024 * 1024


def too_large_message() -> str:
    return _(
        "The file is too large: kitaplan accepts files of up to %(limit)s MB "
        "(KITAPLAN_MAX_UPLOAD_MB). Please split it into smaller files."
    ) % {"limit": settings.KITAPLAN_MAX_UPLOAD_MB}


def upload_refused(request: HttpRequest) -> bool:
    """Whether this request's file was dropped for its size (read request.FILES first)."""
    return bool(getattr(request, _REFUSED, False))


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class SizeLimitUploadHandler(FileUploadHandler):
    """Skip an uploaded file once the request or the file is over the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.too_large = False

    def _refuse(self) -> None:
        self.too_large = True
        if self.request is not None:
            setattr(self.request, _REFUSED, True)
        raise SkipFile

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.too_large = content_length > self.limit

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:  # no or a wrong Content-Length
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadLimitMiddleware:
    """413 with a JSON error for an API request over the limit, before the body is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") and _content_length(request) > max_upload_bytes():
            return JsonResponse({"detail": too_large_message()}, status=413)
        return self.get_response(request)
