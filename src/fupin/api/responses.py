"""The error responses of every operation, in the OpenAPI document (issue #9): each status the error handler
(`fupin.api.errors`) or the NUL/size guards can give an operation is listed with the one error body.

Which statuses an operation can give follows from what it is:
- every operation: 400 (a NUL character, too many fields, a malformed multipart body) and 422 (a parameter or
  body outside its schema, or a domain rule refusing the input);
- an operation that needs authentication: 401 (no valid token or session) and 403 (role or scope);
- one that needs authentication, or names an object in its path or body: 404;
- one that writes (POST, PUT, PATCH, DELETE): 409 (a state transition not allowed, a locked period, a
  conflicting concurrent change) and 413 (a body over the size limit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ninja import NinjaAPI, Schema

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_SOURCES = {"body", "form", "file"}


class ErrorOut(Schema):
    """Every error: a stable machine `code`, a human `message` (in the request's language), optional `details`."""

    code: str
    message: str
    details: Any = None


def operations(api: NinjaAPI) -> Iterator[tuple[str, Any]]:
    """Every (path, operation) pair of the API as mounted (ninja's bound routers), in document order."""
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            full = "/".join(p for p in (bound.prefix, path) if p)
            for op in view.operations:
                yield "/" + full.lstrip("/"), op


def error_statuses(path: str, op: Any) -> list[int]:
    """The error statuses an operation can give (see the module docstring)."""
    authenticated = bool(op.auth_callbacks)
    has_body = any(m.__ninja_param_source__ in BODY_SOURCES for m in op.models)
    names_object = "{" in path or has_body
    writes = bool(WRITE_METHODS & {m.upper() for m in op.methods})
    statuses = [400, 422]
    if authenticated:
        statuses += [401, 403]
    if authenticated or names_object:
        statuses.append(404)
    if writes:
        statuses += [409, 413]
    return sorted(statuses)


def document(api: NinjaAPI) -> None:
    """Add the error responses to every operation that does not declare its own for that status."""
    for path, op in operations(api):
        for status in error_statuses(path, op):
            if status not in op.response_models:
                op.response_models[status] = op._create_response_model(ErrorOut)
