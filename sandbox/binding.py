"""Request body binding with the failure modes of GOWA's Go binder.

GOWA binds JSON or multipart/form-data into typed Go structs before validating. A value of the
wrong JSON type (a number where a string is declared, e.g. location coordinates) is a bind
error, which GOWA's send handlers surface as a 500, not a validation error.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from aiohttp import web
from aiohttp.web_request import FileField

FieldType = Literal["string", "bool", "int", "array", "file"]

_GO_TYPES: dict[FieldType, str] = {
    "string": "string",
    "bool": "bool",
    "int": "int",
    "array": "[]string",
    "file": "multipart.FileHeader",
}
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


class BindError(Exception):
    """The body could not be bound; the text reads like Go's."""


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}`. Raises BindError otherwise."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BindError("invalid character in JSON body: " + exc.msg) from None
    if not isinstance(data, dict):
        raise BindError("json: cannot unmarshal " + _json_kind(data) + " into Go value")
    return data


def check_json_types(data: dict[str, Any], fields: dict[str, FieldType], struct: str) -> None:
    for name, expected in fields.items():
        value = data.get(name)
        if value is None or _json_matches(value, expected):
            continue
        raise BindError(
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
            f"{struct}.{name} of type {_GO_TYPES[expected]}"
        )


async def bind(
    request: web.Request, fields: dict[str, FieldType], struct: str
) -> tuple[dict[str, Any], dict[str, FileField]]:
    """Bind JSON or a form into (values, uploaded files), typed as `fields` declares."""
    content_type = request.content_type
    if content_type == "application/json":
        data = await json_object(request)
        check_json_types(data, fields, struct)
        return {name: data[name] for name in fields if data.get(name) is not None}, {}
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _bind_form(request, fields)
    if not (await request.read()).strip():
        return {}, {}
    # fiber's binder has no decoder for other content types.
    raise BindError("Unprocessable Entity")


async def _bind_form(
    request: web.Request, fields: dict[str, FieldType]
) -> tuple[dict[str, Any], dict[str, FileField]]:
    form = await request.post()
    values: dict[str, Any] = {}
    files: dict[str, FileField] = {}
    for name, expected in fields.items():
        raw_values = form.getall(name, [])
        if not raw_values:
            continue
        first = raw_values[0]
        if expected == "file":
            if isinstance(first, FileField):
                files[name] = first
            continue
        if isinstance(first, FileField):
            continue
        if expected == "array":
            values[name] = [str(item) for item in raw_values if not isinstance(item, FileField)]
        elif expected == "bool":
            values[name] = _parse_bool(name, first)
        elif expected == "int":
            values[name] = _parse_int(name, first)
        else:
            values[name] = first
    return values, files


def _parse_bool(name: str, text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE or text == "":
        return False
    raise BindError(f'schema: error converting value for "{name}"')


def _parse_int(name: str, text: str) -> int:
    try:
        return int(text) if text != "" else 0
    except ValueError:
        raise BindError(f'schema: error converting value for "{name}"') from None


def _json_matches(value: Any, expected: FieldType) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "bool":
        return isinstance(value, bool)
    if expected == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "array":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return False  # a file cannot come in a JSON body


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
