"""drf-spectacular post-processing (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): the error answers every
operation can give, documented once for all of them. DRF answers 401/403/404 with {"detail": "…"} (also the
project's own 404 under /api/, `qiaolian.views.not_found`) and 400 with field messages ({"field": ["…"]},
{"detail": "…"} or a list of messages)."""
from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "additionalProperties": True,
}
VALIDATION_ERROR_SCHEMA = {
    "oneOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {}},
    ]
}
ERROR_RESPONSES = {
    "400": ("ValidationError", "请求无效：参数、字段或请求体有误（逐字段说明）"),
    "401": ("Error", "未登录或令牌无效"),
    "403": ("Error", "无权执行此操作"),
    "404": ("Error", "不存在或不在您的范围内"),
}
# Only operations that take a body can be sent one of the wrong media type.
BODY_ERROR_RESPONSES = {"415": ("Error", "不支持的请求体媒体类型")}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def error_responses(result, generator, request, public):
    """Adds 400, 401, 403 and 404 (and 415 where a body is taken) with their JSON bodies to every operation; a response an operation already
    documents keeps its description and gets the body when it had none."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = {**ERROR_RESPONSES, **(BODY_ERROR_RESPONSES if "requestBody" in operation else {})}
            for code, (component, description) in errors.items():
                response = responses.setdefault(code, {"description": description})
                response.setdefault("content", {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}})
    return result
