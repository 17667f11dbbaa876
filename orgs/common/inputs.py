"""Bad input refused at the door, once for every page and API call: a control character (NUL and the other
C0 characters except tab, line feed and carriage return) in the URL path, a query parameter or a posted form
field is a 400 that names the parameter, never a server error (PostgreSQL refuses NUL in a string) nor a
stored value that breaks the Excel exports. JSON and API form bodies are checked by `orgs.common.parsers`."""
from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from orgs.common.text import has_control_characters, visible_name

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_input_message(name: str) -> str:
    return _("参数“%(name)s”含有不允许的控制字符") % {"name": name}


def bad_input_response(request, name: str):
    """The 400: JSON ({"detail": …}) under /api/, a page elsewhere."""
    message = bad_input_message(name)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "bad_input.html", {"message": message}, status=400)


def _querydict_offender(data) -> str | None:
    for key, values in data.lists():
        if has_control_characters(key) or any(isinstance(v, str) and has_control_characters(v) for v in values):
            return visible_name(key)
    return None


def control_characters_offender(request) -> str | None:
    """The name of the first part of the request (path, query parameter, form field) holding a control character."""
    if has_control_characters(request.path_info):
        return _("网址路径")
    offender = _querydict_offender(request.GET)
    if offender is None and request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        offender = _querydict_offender(request.POST)
    return offender


class ControlCharacterMiddleware:
    """Answers 400 before any view runs when the path, the query or a posted form field holds a control character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offender = control_characters_offender(request)
        if offender is not None:
            return bad_input_response(request, offender)
        return self.get_response(request)
