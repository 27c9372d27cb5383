"""RFC 9457 problem details: the one shape of every error answer of every service.

Every error is ``application/problem+json`` with ``type``, ``title``, ``status`` and ``detail``:

* a refusal (:class:`~tsunagu_servicekit.errors.Refusal`): ``type`` is ``urn:tsunagu:problem:<rule>``,
  ``title`` the rule's name as words, ``detail`` the rule's fixed sentence, and the extension
  ``rule`` holds the rule's name;
* a request that fails validation: ``type`` is ``urn:tsunagu:problem:validation_failed`` and the
  extension ``errors`` lists where (``loc``) and which check (``type``) failed, never a value;
* any other HTTP error (unknown route, method not allowed, body too large, an ``HTTPException``,
  the unhandled 500): ``type`` is ``about:blank`` and ``title`` the status phrase.

Nothing in an answer comes from the input: the client keeps its own copy of what it sent. A
location in ``errors`` names only what the operation's schema declares (field and parameter
names, list indices); a key the schema does not declare (an unknown field, a key of a free-form
map) is shown as ``*``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tsunagu_servicekit.errors import Refusal, ServiceError
from tsunagu_servicekit.logging import get_logger

__all__ = [
    "BLANK_TYPE",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPE_PREFIX",
    "VALIDATION_FAILED",
    "internal_error_response",
    "problem_response",
    "problem_title",
    "problem_type",
    "status_phrase",
]

_log = get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:tsunagu:problem:"
BLANK_TYPE = "about:blank"
VALIDATION_FAILED = "validation_failed"
"""The problem name of a request that does not match the operation's schema."""

VALIDATION_TITLE = "Validation failed"
VALIDATION_DETAIL = "The request does not match the operation's schema; errors says where."
INTERNAL_ERROR_DETAIL = "The server failed to handle the request."

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

# RFC 9110's names, which Python's HTTPStatus took only in 3.13: titles must not change with Python.
_RENAMED = {413: "Content Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}

# Fixed sentences for the plain HTTP errors the framework raises with only its status phrase.
_DEFAULT_DETAILS = {
    400: "The request is malformed.",
    401: "Authentication is required.",
    403: "The caller may not do this.",
    404: "No resource lives at this path.",
    405: "The resource does not support this method; the Allow header lists those it does.",
    406: "The resource cannot answer in an acceptable media type.",
    413: "The request body is too large.",
    415: "The request's media type is not supported.",
    429: "Too many requests; try again later.",
}


def status_phrase(status: int) -> str:
    """The RFC 9110 reason phrase of ``status`` (``"Content Too Large"`` for 413 on any Python)."""
    if status in _RENAMED:
        return _RENAMED[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_type(name: str) -> str:
    """The stable ``type`` URI of a named problem (a rule's name): ``urn:tsunagu:problem:<name>``."""
    if not _NAME.match(name):
        raise ValueError(f"a problem name is snake_case ASCII: {name!r}")
    return PROBLEM_TYPE_PREFIX + name


def problem_title(name: str) -> str:
    """The ``title`` of a named problem: its name as words (``slot_taken`` → ``Slot taken``)."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def problem_response(
    status: int,
    *,
    type_: str = BLANK_TYPE,
    title: str | None = None,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """An ``application/problem+json`` answer. ``title`` defaults to the status phrase, ``detail``
    to a fixed sentence for the status; ``extensions`` (``rule``, ``errors``) are added as members."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title if title is not None else status_phrase(status),
        "status": status,
        "detail": detail if detail is not None else _default_detail(status),
        **extensions,
    }
    return JSONResponse(
        body, status_code=status, headers=dict(headers) if headers else None, media_type=PROBLEM_MEDIA_TYPE
    )


def internal_error_response() -> JSONResponse:
    """The bare 500: nothing about the exception, which is logged by class only."""
    return problem_response(500, detail=INTERNAL_ERROR_DETAIL)


def _default_detail(status: int) -> str:
    if status in _DEFAULT_DETAILS:
        return _DEFAULT_DETAILS[status]
    if status >= 500:
        return INTERNAL_ERROR_DETAIL if status == 500 else "The server cannot handle the request now."
    return "The request cannot be handled."


# --------------------------------------------------------------------------------------------
# Locations of validation errors, masked by the operation's schema


_LOCATIONS = ("body", "query", "path", "header", "cookie")
_MASK = "*"
_MAX_DEPTH = 32  # bounds the walk through composed schemas; real schemas nest far less


class _SchemaWalker:
    """Follows a validation error's location through the operation's OpenAPI schema, keeping the
    elements the schema declares and masking the rest."""

    def __init__(self, openapi: Mapping[str, Any], operation: Mapping[str, Any] | None) -> None:
        components = openapi.get("components", {})
        self._components: Mapping[str, Any] = components.get("schemas", {})
        self._schemes: Mapping[str, Any] = components.get("securitySchemes", {})
        self._operation = operation

    def mask(self, loc: Sequence[Any]) -> str:
        if not loc:
            return ""
        head, rest = loc[0], list(loc[1:])
        if head not in _LOCATIONS:
            return ".".join([_MASK] * len(loc))
        parts = [str(head)]
        schema: Any = None
        if head == "body":
            schema = self._body_schema()
        elif rest:
            name = rest.pop(0)
            parameter = self._parameter(str(head), name)
            if parameter is None:
                parts.append(_MASK)
            else:
                parts.append(str(name))
                schema = parameter.get("schema")
        for element in rest:
            if isinstance(element, int) and not isinstance(element, bool):
                parts.append(str(element))
                schema = self._items(schema, element, 0)
                continue
            declared = self._property(schema, element, 0) if isinstance(element, str) else None
            if declared is None:
                parts.append(_MASK)
                schema = self._additional(schema, 0)
            else:
                parts.append(element)
                schema = declared
        return ".".join(parts)

    def _body_schema(self) -> Any:
        if self._operation is None:
            return None
        content = self._operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            return media.get("schema")
        return None

    def _parameter(self, where: str, name: object) -> Mapping[str, Any] | None:
        if self._operation is None or not isinstance(name, str):
            return None
        for parameter in [*self._operation.get("parameters", []), *self._api_keys()]:
            if parameter.get("in") != where:
                continue
            declared = str(parameter.get("name", ""))
            if declared == name or (where == "header" and declared.lower() == name.lower()):
                return dict(parameter)
        return None

    def _api_keys(self) -> list[Mapping[str, Any]]:
        """The operation's API-key security schemes: their parameter names are declared too (a
        calendar feed's ``token`` query parameter), though not as ``parameters``."""
        assert self._operation is not None
        names = {name for requirement in self._operation.get("security", []) for name in requirement}
        return [
            scheme
            for name, scheme in self._schemes.items()
            if name in names and isinstance(scheme, Mapping) and scheme.get("type") == "apiKey"
        ]

    def _resolve(self, schema: Any) -> Any:
        for _ in range(_MAX_DEPTH):
            if not isinstance(schema, Mapping) or "$ref" not in schema:
                return schema
            ref = str(schema["$ref"])
            if not ref.startswith("#/components/schemas/"):
                return None
            schema = self._components.get(ref.rsplit("/", 1)[-1])
        return None

    def _branches(self, schema: Mapping[str, Any]) -> list[Any]:
        return [b for key in ("allOf", "anyOf", "oneOf") for b in schema.get(key, [])]

    def _property(self, schema: Any, name: str, depth: int) -> Any:
        schema = self._resolve(schema)
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        properties = schema.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return properties[name]
        for branch in self._branches(schema):
            found = self._property(branch, name, depth + 1)
            if found is not None:
                return found
        return None

    def _items(self, schema: Any, index: int, depth: int) -> Any:
        schema = self._resolve(schema)
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list) and 0 <= index < len(prefix):
            return prefix[index]
        if "items" in schema:
            return schema["items"]
        for branch in self._branches(schema):
            found = self._items(branch, index, depth + 1)
            if found is not None:
                return found
        return None

    def _additional(self, schema: Any, depth: int) -> Any:
        schema = self._resolve(schema)
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        additional = schema.get("additionalProperties")
        if isinstance(additional, Mapping):
            return additional
        for branch in self._branches(schema):
            found = self._additional(branch, depth + 1)
            if found is not None:
                return found
        return None


def _operation_of(request: Request) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None or not getattr(route, "include_in_schema", False):
        return {}, None
    try:
        openapi = request.app.openapi()
    except Exception as exc:
        # Without the document every location is masked: the answer must not depend on it.
        _log.error("http.openapi_unavailable", error_class=type(exc).__name__)
        return {}, None
    operation = openapi.get("paths", {}).get(path, {}).get(request.method.lower())
    return openapi, operation


# --------------------------------------------------------------------------------------------
# Exception handlers (installed by create_http_app)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    openapi, operation = _operation_of(request)
    walker = _SchemaWalker(openapi, operation)
    errors = [
        {"loc": walker.mask(err.get("loc", ())), "type": str(err.get("type", "invalid"))}
        for err in exc.errors()
    ]
    return problem_response(
        422,
        type_=problem_type(VALIDATION_FAILED),
        title=VALIDATION_TITLE,
        detail=VALIDATION_DETAIL,
        errors=errors,
    )


async def on_service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    if isinstance(exc, Refusal):
        headers.update(exc.headers)
        extensions["rule"] = exc.rule.name
    if exc.status_code == 401 and not any(k.lower() == "www-authenticate" for k in headers):
        headers["WWW-Authenticate"] = "Bearer"  # RFC 9110 §15.5.2: a 401 names its scheme
    named = bool(_NAME.match(exc.code))
    _log.info("http.service_error", error=exc.code, status=exc.status_code)
    return problem_response(
        exc.status_code,
        type_=problem_type(exc.code) if named else BLANK_TYPE,
        title=problem_title(exc.code) if named else None,
        detail=exc.message,
        headers=headers,
        **extensions,
    )


def _allowed_methods(request: Request) -> str | None:
    """Every method of every route whose path matches: Starlette's own ``Allow`` names only the
    first matching route's methods."""
    methods: set[str] = set()
    # Included routers are kept as groups of route contexts, not copied into the app's routes.
    for context in iter_route_contexts(request.app.router.routes):
        match, _ = context.matches(request.scope)
        route_methods = context.methods
        if match is not Match.NONE and route_methods:
            methods.update(route_methods)
    return ", ".join(sorted(methods)) if methods else None


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed is not None:
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = allowed
    if exc.status_code == 401 and not any(k.lower() == "www-authenticate" for k in headers):
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(exc.status_code, detail=_developer_detail(exc), headers=headers)


def _developer_detail(exc: StarletteHTTPException) -> str | None:
    """The detail a developer wrote (a fixed sentence, by convention), or ``None`` for the framework's
    own exceptions, which carry only the status phrase, and for details that are not text."""
    if not isinstance(exc.detail, str) or not exc.detail:
        return None
    try:
        python_phrase: str | None = HTTPStatus(exc.status_code).phrase
    except ValueError:
        python_phrase = None
    return None if exc.detail in (status_phrase(exc.status_code), python_phrase) else exc.detail
