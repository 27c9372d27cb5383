"""The error answers of every operation, documented in its OpenAPI entry as problem details.

The app factory rewrites the generated document once, so that each operation lists every status it
can answer, each as ``application/problem+json``:

* **automatic** — ``422`` (``ValidationProblem``) when the operation has a parameter or a body;
  ``400`` (unreadable body) and ``413`` when it has a body; ``404`` when its path has a
  parameter (a value may match no route); ``500`` always; and the refusals its dependencies
  declare with :func:`documents_refusals` — the kit's
  :func:`~tsunagu_servicekit.http.auth.current_principal` declares the ``401`` rules, and
  :func:`~tsunagu_servicekit.http.auth.require` the ``403`` ones (its roles and scopes are listed
  under ``x-tsunagu-roles`` and ``x-tsunagu-scopes``);
* **declared** — the refusals a use case can raise, with :func:`refusals` as the route's
  ``responses``: ``@router.post("/bookings", responses=refusals(SLOT_TAKEN, CLOSURE_DAY))``.

An HTML page may also answer an error status with a page: a ``text/html`` body it declares by
hand at that status (``responses={404: {"content": {"text/html": {}}}}``) stays beside the
problem.

A status answered for several reasons is one response whose description lists them all, and whose
schema lists the rule names as the ``enum`` of ``rule``. FastAPI's own ``HTTPValidationError``
(whose ``detail`` is an array, unlike what the kit answers) does not appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from tsunagu_servicekit.errors import Rule, RuleBook
from tsunagu_servicekit.http.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_PREFIX,
    VALIDATION_FAILED,
    problem_type,
    status_phrase,
)

__all__ = [
    "PAGE_MEDIA_TYPE",
    "PROBLEM_SCHEMAS",
    "REFUSALS_ATTRIBUTE",
    "ROLES_ATTRIBUTE",
    "ROLES_EXTENSION",
    "SCOPES_ATTRIBUTE",
    "SCOPES_EXTENSION",
    "document_problems",
    "documents_refusals",
    "refusals",
]

PAGE_MEDIA_TYPE = "text/html"
"""The media type of pages, whose own error answers may be pages too."""

REFUSALS_ATTRIBUTE = "tsunagu_refusals"
"""Attribute of a dependency callable: the rules it may refuse with (see :func:`documents_refusals`)."""
ROLES_ATTRIBUTE = "tsunagu_roles"
SCOPES_ATTRIBUTE = "tsunagu_scopes"
ROLES_EXTENSION = "x-tsunagu-roles"
SCOPES_EXTENSION = "x-tsunagu-scopes"
# Carries the declared rules from `refusals` to the rewrite; dropped from the published document.
_RULES_EXTENSION = "x-tsunagu-rules"

_REF = "#/components/schemas/"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

F = TypeVar("F", bound=Callable[..., Any])

PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "title": "Problem",
        "description": (
            "An error answer: RFC 9457 problem details, media type application/problem+json. "
            "It never holds a value taken from the request or from the records."
        ),
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {
                "type": "string",
                "format": "uri",
                "description": (
                    f"What kind of problem: {PROBLEM_TYPE_PREFIX}<name> for a refusal by a business "
                    "rule (the name is also in rule) or a failed validation; about:blank for a plain "
                    "HTTP error, whose title is then the status phrase."
                ),
                "examples": [problem_type("slot_taken"), "about:blank"],
            },
            "title": {
                "type": "string",
                "description": "A short summary of the kind of problem, the same for every occurrence.",
            },
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
            "detail": {
                "type": "string",
                "description": "A fixed sentence explaining the problem; it names no value.",
            },
            "rule": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9_]{0,63}$",
                "description": "Refusals only: the name of the business rule the request breaks.",
            },
        },
    },
    "FieldProblem": {
        "title": "FieldProblem",
        "description": "Where a request failed validation and which check failed; never the value.",
        "type": "object",
        "required": ["loc", "type"],
        "properties": {
            "loc": {
                "type": "string",
                "description": (
                    "Dotted location: body, query, path, header or cookie, then the field names and list "
                    "indices the operation's schema declares; * stands for a key it does not declare "
                    "(an unknown field, a key of a free-form map)."
                ),
                "examples": ["body.title", "query.starts_from", "body.tags.*"],
            },
            "type": {
                "type": "string",
                "description": "The check that failed (Pydantic's error type).",
                "examples": ["missing", "string_too_long", "extra_forbidden", "datetime_type"],
            },
        },
    },
    "ValidationProblem": {
        "title": "ValidationProblem",
        "description": "The request does not match the operation's schema: a Problem listing where.",
        "allOf": [{"$ref": f"{_REF}Problem"}],
        "type": "object",
        "required": ["errors"],
        "properties": {
            "type": {"type": "string", "enum": [problem_type(VALIDATION_FAILED)]},
            "status": {"type": "integer", "enum": [422]},
            "errors": {"type": "array", "items": {"$ref": f"{_REF}FieldProblem"}},
        },
    },
}


def documents_refusals(*rules: Rule) -> Callable[[F], F]:
    """Mark a dependency: every operation that depends on it documents these refusals.

    For dependencies that refuse on their own (authentication of another kind of user, say)::

        @documents_refusals(SESSION_EXPIRED)
        async def web_user(...) -> WebUser: ...
    """
    declared = tuple(RuleBook(rules))

    def mark(dependency: F) -> F:
        setattr(dependency, REFUSALS_ATTRIBUTE, declared)
        return dependency

    return mark


def refusals(*rules: Rule) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of an operation whose use case may refuse with ``rules``.

    One response per status, as problem details whose ``rule`` is one of the rule names::

        @router.post("/bookings", status_code=201, responses=refusals(SLOT_TAKEN, CLOSURE_DAY))
    """
    if not rules:
        raise ValueError("refusals() needs at least one rule")
    docs: dict[int, _StatusDoc] = {}
    for rule in RuleBook(rules):
        docs.setdefault(rule.status, _StatusDoc()).rules[rule.name] = rule.message
    responses: dict[int | str, dict[str, Any]] = {}
    for status, doc in sorted(docs.items()):
        response = doc.response(status)
        response[_RULES_EXTENSION] = [{"name": n, "message": m} for n, m in doc.rules.items()]
        responses[status] = response
    return responses


@dataclass
class _StatusDoc:
    """Everything one status of one operation can mean."""

    notes: list[str] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)
    validation: bool = False
    headers: dict[str, Any] = field(default_factory=dict)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def schema(self) -> dict[str, Any]:
        problem: dict[str, Any] = {"$ref": f"{_REF}Problem"}
        if self.rules:
            problem = {
                "allOf": [problem],
                "properties": {"rule": {"type": "string", "enum": list(self.rules)}},
            }
        if not self.validation:
            return problem
        validation = {"$ref": f"{_REF}ValidationProblem"}
        return {"anyOf": [validation, problem]} if self.rules else validation

    def response(self, status: int) -> dict[str, Any]:
        lines = [f"{status_phrase(status)} (problem details, RFC 9457)."]
        if self.validation:
            lines.append("- The request does not match the schema; `errors` says where.")
        lines.extend(f"- {note}" for note in self.notes)
        lines.extend(f"- Refused by rule `{name}`: {message}" for name, message in self.rules.items())
        response: dict[str, Any] = {
            "description": "\n".join(lines),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": self.schema()}},
        }
        if self.headers:
            response["headers"] = dict(self.headers)
        return response


@dataclass
class _Dependencies:
    """What an operation's dependencies say about its refusals, roles and scopes."""

    rules: list[Rule] = field(default_factory=list)
    role_sets: list[tuple[str, ...]] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, dependant: Dependant) -> _Dependencies:
        found = cls()
        seen: set[int] = set()
        stack = [dependant]
        while stack:
            dependant = stack.pop()
            call = dependant.call
            if call is not None and id(call) not in seen:
                seen.add(id(call))
                found.rules.extend(getattr(call, REFUSALS_ATTRIBUTE, ()))
                roles = tuple(getattr(call, ROLES_ATTRIBUTE, ()))
                if roles:
                    found.role_sets.append(roles)
                found.scopes.extend(s for s in getattr(call, SCOPES_ATTRIBUTE, ()) if s not in found.scopes)
            stack.extend(reversed(dependant.dependencies))
        return found

    def roles(self) -> list[str]:
        """Roles that pass every role check (each check passes any one of its roles)."""
        if not self.role_sets:
            return []
        first, *others = self.role_sets
        return [role for role in first if all(role in other for other in others)]


def _declared_rules(response: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for entry in response.get(_RULES_EXTENSION, ()):
        yield str(entry["name"]), str(entry["message"])


def _refers_to_fastapi_validation(value: Any) -> bool:
    if isinstance(value, Mapping):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(_REF) in _FASTAPI_VALIDATION_SCHEMAS:
            return True
        return any(_refers_to_fastapi_validation(v) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to_fastapi_validation(v) for v in value)
    return False


def _document_operation(
    operation: MutableMapping[str, Any], dependencies: _Dependencies, *, max_body_bytes: int
) -> None:
    responses: MutableMapping[str, Any] = operation.setdefault("responses", {})
    docs: dict[int, _StatusDoc] = {}

    def doc(status: int) -> _StatusDoc:
        return docs.setdefault(status, _StatusDoc())

    for key in list(responses):
        response = responses[key]
        if not key.isdigit() or not 400 <= int(key) <= 599:
            continue
        status = int(key)
        declared = list(_declared_rules(response))
        if _refers_to_fastapi_validation(response):
            del responses[key]
        elif declared:
            doc(status).rules.update(declared)
            if PAGE_MEDIA_TYPE not in response.get("content", {}):
                del responses[key]
        else:
            doc(status)  # every error answer is a problem, whatever a hand-written entry says

    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    if parameters or has_body:
        doc(422).validation = True
    if has_body:
        # FastAPI answers 400 when the body cannot even be decoded (not UTF-8, say).
        doc(400).note("The request body cannot be read (it is not UTF-8 JSON).")
        doc(413).note(f"The request body is larger than {max_body_bytes} bytes.")
    if any(p.get("in") == "path" for p in parameters):
        doc(404).note("No resource lives at this path (a path parameter matches no route).")
    for rule in dependencies.rules:
        doc(rule.status).rules.setdefault(rule.name, rule.message)
    if 401 in docs:
        docs[401].headers["WWW-Authenticate"] = {
            "description": "The authentication scheme (RFC 6750): Bearer, with error=invalid_token "
            "when a token was given and refused.",
            "required": True,
            "schema": {"type": "string"},
        }
    doc(500).note(
        "The server failed; the answer says nothing about why (the log has the class, by trace id)."
    )

    for status in sorted(docs):
        key = str(status)
        existing = responses.get(key)
        built = docs[status].response(status)
        if isinstance(existing, Mapping) and existing.get("description"):
            # A hand-written response at a status the kit answers keeps its words, not its body.
            built["description"] = f"{existing['description']}\n\n{built['description']}"
        page = existing.get("content", {}).get(PAGE_MEDIA_TYPE) if isinstance(existing, Mapping) else None
        if page is not None:
            # A page answers its own errors as a page (a public page's 404 is one); what the kit
            # answers at that status (no route, validation) stays a problem beside it.
            built["content"] = {**built["content"], PAGE_MEDIA_TYPE: page}
        responses[key] = built

    roles = dependencies.roles()
    if roles:
        operation[ROLES_EXTENSION] = roles
    if dependencies.scopes:
        operation[SCOPES_EXTENSION] = list(dependencies.scopes)


def document_problems(
    openapi: MutableMapping[str, Any], routes: Sequence[BaseRoute], *, max_body_bytes: int
) -> None:
    """Rewrite a generated OpenAPI document so that every operation documents its error answers."""
    by_operation: dict[tuple[str, str], _Dependencies] = {}
    # Included routers are kept as groups of route contexts, not copied into the app's routes.
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            dependencies = _Dependencies.of(context.dependant)
            for method in context.methods or ():
                by_operation[(str(context.path_format), method.lower())] = dependencies
    for path, item in openapi.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                dependencies = by_operation.get((path, method), _Dependencies())
                _document_operation(operation, dependencies, max_body_bytes=max_body_bytes)
    schemas: MutableMapping[str, Any] = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    for name, schema in PROBLEM_SCHEMAS.items():
        if schemas.get(name, schema) != schema:
            raise RuntimeError(
                f"the service defines a schema named {name}, which the kit's problem details use"
            )
        schemas[name] = schema
    if _refers_to_fastapi_validation(openapi):
        raise RuntimeError("FastAPI's HTTPValidationError is still referred to in the OpenAPI document")
    _name_numeric_bounds(openapi)


# Pydantic names a numeric bound it cannot lay on the type itself (a bound over a validated type
# such as the kit's JsonInt, through an alias or under ``| None``) by its Python keyword, which no
# JSON Schema reader knows; the bound is still enforced, so only its name in the document is wrong.
_JSON_SCHEMA_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "multiple_of": "multipleOf",
}


def _name_numeric_bounds(node: Any) -> None:
    if isinstance(node, MutableMapping):
        if node.get("type") in ("integer", "number"):
            for python_name, json_name in _JSON_SCHEMA_BOUNDS.items():
                if python_name in node:
                    node[json_name] = node.pop(python_name)
        for value in node.values():
            _name_numeric_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _name_numeric_bounds(value)
