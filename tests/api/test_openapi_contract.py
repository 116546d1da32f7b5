"""The OpenAPI document tells the truth (issue #9): every operation's request body and responses are the schemas
its handler uses, no two schema classes share a name (ninja keys components by class name, so a second class of
the same name silently replaced the first), choices are enums, bounds are in the document, and every error
status the error handler can give is listed."""

from __future__ import annotations

import datetime as dt
import json
import re
import typing

import pytest
import time_machine
from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema
from pydantic import BaseModel

from fupin.api.main import api
from fupin.api.responses import ErrorOut, error_statuses, operations
from fupin.certification.enums import ApplicationStatus, ReviewLevel
from fupin.core.api_types import BIGINT_MAX, INT_MAX
from fupin.core.enums import Role
from fupin.ledger.enums import Channel, Kind
from fupin.linkage.enums import FlagKind, Mechanism
from fupin.registry.enums import HouseholdStatus, OrganisationKind, RegionLevel

BODY_SOURCES = {"body", "form", "file"}
COMPONENTS = "#/components/schemas/"


def _document() -> dict:
    """The document as clients read it (JSON: status codes are strings)."""
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


@pytest.fixture(scope="module")
def doc():
    return _document()


def _doc_path(path: str) -> str:
    return "/api/v1" + re.sub(r"{[^}:]+:", "{", path)


def _models(annotation: typing.Any) -> typing.Iterator[type[BaseModel]]:
    """The pydantic classes inside a type annotation (list[X], X | None, Annotated[X, ...], dict[str, X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def _closure(roots: typing.Iterable[type[BaseModel]]) -> set[type[BaseModel]]:
    """The classes and every class their fields name, recursively."""
    seen: set[type[BaseModel]] = set()
    todo = list(roots)
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for field in cls.model_fields.values():
            todo.extend(_models(field.annotation))
    return seen


def _body_classes(op) -> list[type[BaseModel]]:
    return [cls for m in op.models if m.__ninja_param_source__ == "body"
            for f in m.model_fields.values() for cls in _models(f.annotation)]


def _response_classes(op) -> dict[int, list[type[BaseModel]]]:
    return {status: list(_models(model.model_fields["response"].annotation))
            for status, model in op.response_models.items() if model not in (None, Ellipsis)
            and hasattr(model, "model_fields")}


def _schema_of(cls: type[BaseModel], mode: str, *, by_alias: bool = True) -> dict:
    """The class's schema as ninja writes it (bodies by alias; responses as the operation says)."""
    schema = cls.model_json_schema(ref_template=REF_TEMPLATE, by_alias=by_alias,
                                   schema_generator=NinjaGenerateJsonSchema, mode=mode)
    schema.pop("$defs", None)
    return schema


def _ref(schema: dict) -> str | None:
    """The component a response or body schema names (directly or as the items of a list)."""
    target = schema.get("items", schema)
    ref = target.get("$ref")
    return ref.removeprefix(COMPONENTS) if ref else None


def test_every_request_body_is_the_schema_its_handler_takes(doc):
    checked = 0
    for path, op in operations(api):
        for method in op.methods:
            documented = doc["paths"][_doc_path(path)][method.lower()]
            bodies = _body_classes(op)
            if bodies:
                (cls,) = bodies
                schema = documented["requestBody"]["content"]["application/json"]["schema"]
                assert _ref(schema) == cls.__name__, (method, path)
                assert doc["components"]["schemas"][cls.__name__] == _schema_of(cls, "validation"), (method, path)
                checked += 1
            uploads = [f for m in op.models if m.__ninja_param_source__ in {"form", "file"} for f in m.model_fields]
            if uploads:
                (content,) = documented["requestBody"]["content"].values()
                assert set(content["schema"]["properties"]) == set(uploads), (method, path)
                checked += 1
    assert checked > 40  # every write of the API: a body or an upload


def test_every_response_is_the_schema_its_handler_returns(doc):
    checked = 0
    for path, op in operations(api):
        for method in op.methods:
            documented = doc["paths"][_doc_path(path)][method.lower()]["responses"]
            for status, classes in _response_classes(op).items():
                if len(classes) != 1:
                    continue  # a dict, or several classes in a union: no single component
                (cls,) = classes
                schema = documented[str(status)]["content"]["application/json"]["schema"]
                assert _ref(schema) == cls.__name__, (method, path, status)
                expected = _schema_of(cls, "serialization", by_alias=bool(op.by_alias))
                assert doc["components"]["schemas"][cls.__name__] == expected, (method, path, status)
                checked += 1
    assert checked > 100


def test_no_two_schema_classes_share_a_name():
    roots: list[type[BaseModel]] = []
    for _path, op in operations(api):
        roots += _body_classes(op)
        roots += [cls for classes in _response_classes(op).values() for cls in classes]
    by_name: dict[str, set[str]] = {}
    for cls in _closure(roots):
        by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert shared == {}
    assert {"CatalogueBatchIn", "PurchaseBatchIn", "PurchaseImportOut", "LinkageImportOut", "ApplicationItemOut",
            "VerificationItemOut", "CertificationReasonIn", "LedgerReasonIn"} <= set(by_name)


def _param(doc, path: str, method: str, name: str) -> dict:
    (param,) = [p for p in doc["paths"][path][method]["parameters"] if p["name"] == name]
    schema = param["schema"]
    return next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)


def _prop(doc, component: str, name: str) -> dict:
    schema = doc["components"]["schemas"][component]["properties"][name]
    schema = schema.get("items", schema) if schema.get("type") == "array" else schema
    return next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)


@pytest.mark.parametrize(("where", "expected"), [
    (("param", "/api/v1/regions", "get", "level"), RegionLevel.values),
    (("param", "/api/v1/organisations", "get", "kind"), OrganisationKind.values),
    (("param", "/api/v1/households", "get", "status"), HouseholdStatus.values),
    (("param", "/api/v1/linkage/flags", "get", "kind"), FlagKind.values),
    (("param", "/api/v1/linkage/payments", "get", "mechanism"), Mechanism.values),
    (("param", "/api/v1/certification/applications", "get", "status"), ApplicationStatus.values),
    (("prop", "MeOut", "roles"), Role.values),
    (("prop", "EntryOut", "channel"), Channel.values),
    (("prop", "EntryOut", "kind"), Kind.values),
    (("prop", "PurchaseIn", "channel"), Channel.values),
    (("prop", "ContractIn", "mechanism"), Mechanism.values),
    (("prop", "ApplicationOut", "status"), ApplicationStatus.values),
    (("prop", "DecisionOut", "level"), [*ReviewLevel.values, ""]),
    (("prop", "DecideIn", "action"), ["approve", "close_notice", "reject", "return"]),
    (("prop", "OrganisationIn", "kind"), OrganisationKind.values),
])
def test_choices_are_enums_in_the_document(doc, where, expected):
    schema = _param(doc, *where[1:]) if where[0] == "param" else _prop(doc, *where[1:])
    assert schema["enum"] == list(expected)


def test_bounds_are_in_the_document(doc):
    offset = _param(doc, "/api/v1/organisations", "get", "offset")
    assert (offset["minimum"], offset["maximum"]) == (0, INT_MAX)
    limit = _param(doc, "/api/v1/organisations", "get", "limit")
    assert (limit["minimum"], limit["maximum"]) == (1, 500)
    pk = _param(doc, "/api/v1/organisations/{pk}", "get", "pk")
    assert (pk["minimum"], pk["maximum"]) == (1, BIGINT_MAX)
    assert _param(doc, "/api/v1/linkage/contracts", "get", "entity")["maximum"] == BIGINT_MAX
    seller = _param(doc, "/api/v1/purchases", "get", "seller")
    assert seller["pattern"] == "^ *(?:[0-9]{1,18}) *(?:, *(?:[0-9]{1,18}) *)*$"


def test_year_and_date_bounds_follow_today():
    with time_machine.travel(dt.datetime(2030, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        doc = _document()
    year = _param(doc, "/api/v1/linkage/expected", "get", "year")
    assert (year["minimum"], year["maximum"]) == (2013, 2031)
    on = _param(doc, "/api/v1/linkage/flags", "get", "on")
    assert (on["formatMinimum"], on["formatMaximum"]) == ("2013-01-01", "2031-06-01")


def test_every_error_status_is_documented_with_the_error_body(doc):
    error = COMPONENTS + ErrorOut.__name__
    for path, op in operations(api):
        statuses = error_statuses(path, op)
        assert {400, 422} <= set(statuses)
        for method in op.methods:
            responses = doc["paths"][_doc_path(path)][method.lower()]["responses"]
            for status in statuses:
                assert responses[str(status)]["content"]["application/json"]["schema"] == {"$ref": error}, \
                    (method, path, status)
    assert {"401", "403", "404"} <= set(doc["paths"]["/api/v1/organisations/{pk}"]["get"]["responses"])
    writes = doc["paths"]["/api/v1/purchases/imports"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "422"} <= set(writes)
    public = doc["paths"]["/api/v1/health"]["get"]["responses"]
    assert set(public) == {"200", "400", "422"}
    assert doc["components"]["schemas"]["ErrorOut"]["required"] == ["code", "message"]
