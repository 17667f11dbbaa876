"""The API's parsers (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]): DRF's, refusing with a 400 that names the field
any text holding a control character (NUL and the other C0 characters except tab, line feed and carriage
return), in JSON bodies and in form bodies of every method. See `orgs.common.inputs` for the query and path."""
from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from orgs.common.inputs import bad_input_message
from orgs.common.text import control_characters_field, has_control_characters, visible_name


def _refuse_control_characters(data) -> None:
    if hasattr(data, "lists"):  # QueryDict: every value of every key
        for key, values in data.lists():
            if has_control_characters(key) or any(isinstance(v, str) and has_control_characters(v) for v in values):
                raise ParseError(bad_input_message(visible_name(key)))
        return
    field = control_characters_field(data)
    if field is not None:
        raise ParseError(bad_input_message(field or "body"))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(result.data)
        return result
