"""The access sweep (DESIGN rule 5): every URL of the project and every API operation, discovered — not listed —
so routes that other apps add later are swept too.

1. Anonymous requests are refused everywhere except the routes in PUBLIC_ROUTES: pages redirect to a sign-in
   page (the portal's or the admin's), the API answers 401 (405 for a method a route does not have).
2. A user scoped to one county cannot read or change another county's households or market entities, through
   pages or the API: reads of the other county's objects by id are 403/404, no response of any route shows
   their names, codes or phone numbers, and writes aimed at them (by id, or by naming the other county's codes
   in the body or an uploaded file) change nothing.
3. For whom, not only where: a cooperative's clerk and a budget unit's clerk, whose scopes cover a county, change
   neither its households (the county office's records) nor another seller of it, through any route.

Path parameters are filled by name and by the segment before them (see `sample_values`). If the sweep cannot
fill a new route's parameters, it fails naming the route: add a sample to PARAM_SAMPLES.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from fupin.core.models import AuditEntry
from fupin.registry.models import Household, MarketEntity
from tests import factories

from .factories import two_counties

pytestmark = pytest.mark.django_db

# Routes anonymous users may use. Pages: the Django route pattern as `get_resolver()` joins it. API operations:
# "METHOD /api/v1/path" as in the OpenAPI schema. Areas that add public pages or endpoints (certificate
# verification, the public catalogue, ...) add their lines here, each with a comment saying why it is public.
PUBLIC_ROUTES: set[str] = {
    "login/",                      # the sign-in page
    "i18n/setlang/",               # the language switch (works before signing in)
    "admin/login/",                # Django admin's own sign-in page
    "admin/logout/",               # signing out shows nothing (it redirects to the admin index, then to sign-in)
    "api/v1/openapi.json",         # the API description
    "api/v1/docs",                 # the API documentation page
    "api/v1/",                     # the API root: redirects to the documentation
    "GET /api/v1/health",          # health check for load balancers
    "^api/(?P<rest>.*)$",          # unknown API paths: the API's JSON 404 for everyone (nothing lies behind them)
    # certification's public face: the national catalogue, public notices, certificate verification, objections
    "certification/",              # redirects to the public catalogue
    "GET /api/v1/catalogue",
    "GET /api/v1/catalogue/export",
    "GET /api/v1/catalogue/{code}",
    "GET /api/v1/catalogue-batches",
    "GET /api/v1/notices",
    "GET /api/v1/certificates/public-key",
    "GET /api/v1/certificates/{number}",
    "POST /api/v1/certificates/verify",
    "POST /api/v1/objections",
    # certification's public pages: catalogue (with export), product pages, batches, certificates, verification,
    # public notices; anyone may object during a notice or complain about a listed product
    "certification/catalogue/",
    "certification/catalogue/<str:code>/",
    "certification/catalogue/<str:code>/complain/",
    "certification/batches/",
    "certification/certificates/<str:number>/",
    "certification/verify/",
    "certification/notices/",
    "certification/notices/<str:number>/object/",
    # the public face (issue #13): the home page for visitors (signed-in users get their own home there), the
    # national and provincial statistics and the open data: aggregates only, small groups suppressed
    "",
    "statistics/",
    "statistics/<str:province>/",
    "open-data/",
    "open-data/datapackage.json",
    r"^open-data/(?P<dataset>[a-z_]{1,40})\.(?P<fmt>csv|json)$",
    "GET /api/v1/public/datasets",
    "GET /api/v1/public/datasets/{dataset}",
    # incentives: the published list of recognised contributors (表彰名单) is public
    "GET /api/v1/incentives/honoured",
}

API_PREFIX = "api/v1/"
LOGIN_PATHS = (reverse(settings.LOGIN_URL), "/admin/login/")
UNSAFE = ("post", "put", "patch", "delete")

# Values for path parameters, by parameter name. `None` means "decided by the sweep" (see sample_values).
PARAM_SAMPLES: dict[str, list[str]] = {
    "code": ["130631"],              # region codes: the OTHER county, so its pages are checked for leaks
    "kind": ["households", "entities"],
    "fmt": ["csv"], "format": ["csv"],
    "app_label": ["registry"],
    "action": ["suspend"],
    "number": ["FP-2020-0001"],
    "url": ["no-such-page/"],
    "uidb64": ["MQ"], "token": ["set-password"],
    "province": ["520000"], "dataset": ["by_province"],
}
# The segment before an id parameter that names a household or a market entity.
HOUSEHOLD_SEGMENTS = {"households", "household"}
ENTITY_SEGMENTS = {"entities", "entity", "sellers", "seller", "suppliers", "supplier"}


# -- discovery ---------------------------------------------------------------------------------------------------
def _join(prefix: str, route: str) -> str:
    return prefix + route.removeprefix("^") if prefix else route


def url_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every URL pattern of the project, with its full route (walks includes recursively)."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = _join(prefix, str(p.pattern))
        if isinstance(p, URLResolver):
            yield from url_routes(p, route)
        else:
            yield route, p


def api_operations() -> tuple[list[tuple[str, str, dict[str, Any]]], dict[str, Any]]:
    """(method, path, operation) of every API operation, from the OpenAPI schema; and the schema."""
    from fupin.api.main import api

    schema = api.get_openapi_schema()
    return [(method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()
            if method in ("get", "post", "put", "patch", "delete")], schema


@dataclass
class Objects:
    """What the sweep substitutes: ids of the other county's objects (or the own ones, as a control)."""

    household: int
    entity: int
    default_int: str = "1"


def _param_kind(segment_before: str) -> str | None:
    if segment_before in HOUSEHOLD_SEGMENTS:
        return "household"
    if segment_before in ENTITY_SEGMENTS:
        return "entity"
    return None


def sample_values(name: str, converter: str, before: str, objects: Objects) -> list[str]:
    kind = _param_kind(before)
    if kind == "household":
        return [str(objects.household)]
    if kind == "entity":
        return [str(objects.entity)]
    if name in PARAM_SAMPLES:
        return PARAM_SAMPLES[name]
    if converter == "int" or name in ("pk", "id", "object_id", "content_type_id") or name.endswith("_id"):
        return [objects.default_int]
    if converter == "uuid":
        return [str(uuid.UUID(int=1))]
    return ["1"]


_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def fill_route(route: str, objects: Objects) -> list[str]:
    """Concrete paths for a route pattern (one per sample value of each parameter), or [] if it cannot be filled."""
    paths = [route]
    if "(?P<" in route or route.startswith("^") or route.endswith("$"):
        def regex_sample(m: re.Match) -> str:
            body = m.group("body")
            if re.fullmatch(r"[\w\-|]+", body):
                return body.split("|")[0]
            before = route[: m.start()].rstrip("/").rsplit("/", 1)[-1]
            return sample_values(m.group("name"), "", before, objects)[0]

        text = _REGEX_GROUP.sub(regex_sample, route)
        text = text.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
        return [text] if not re.search(r"[()\[\]*+?]", text) else []
    for match in list(_ROUTE_PARAM.finditer(route)):
        before = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        values = sample_values(match.group("name"), match.group("conv") or "str", before, objects)
        paths = [p.replace(match.group(0), v, 1) for p in paths for v in values]
    return paths


def concrete_paths(objects: Objects) -> tuple[list[tuple[str, str]], list[str]]:
    """(route, "/path") of every non-API URL, and the routes that could not be filled."""
    out, unfillable = [], []
    for route, pattern in url_routes():
        if route.startswith(API_PREFIX) and route not in PUBLIC_ROUTES:
            continue  # the API is swept per operation, from its schema
        paths = fill_route(route, objects)
        good = []
        for p in paths:
            try:
                match = resolve("/" + p)
            except Resolver404:
                continue
            if match.route == route or match.func == pattern.callback:
                good.append("/" + p)
        if good:
            out.extend((route, p) for p in good)
        else:
            unfillable.append(route)
    return out, unfillable


def api_paths(path: str, objects: Objects) -> list[str]:
    paths = [path]
    for match in list(re.finditer(r"\{(\w+)\}", path)):
        before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        values = sample_values(match.group(1), "", before, objects)
        paths = [p.replace(match.group(0), v, 1) for p in paths for v in values]
    return paths


# -- request bodies built from the schema ----------------------------------------------------------------------
class Body:
    """Plausible request data aimed at the OTHER county: its codes, its objects' ids."""

    def __init__(self, schema: dict[str, Any], other: dict[str, Any]) -> None:
        self.components = schema.get("components", {}).get("schemas", {})
        self.other = other

    def by_name(self, name: str) -> Any:
        o = self.other
        table = {
            "village_code": o["village"].code, "region_code": o["county"].code, "helped_region_code": o["county"].code,
            "code": o["county"].code, "region": o["county"].code, "county_code": o["county"].code,
            "resident_id": factories.resident_id(777), "id_number": factories.resident_id(777),
            "credit_code": factories.uscc(777001), "household_id": o["household"].pk, "household": o["household"].pk,
            "entity_id": o["entity"].pk, "entity": o["entity"].pk, "seller_id": o["entity"].pk,
            "name": "SWEEP-INTRUDER", "head_name": "SWEEP-INTRUDER", "phone": "13000000000",
        }
        return table.get(name)

    def value(self, name: str, prop: dict[str, Any]) -> Any:
        named = self.by_name(name)
        if named is not None:
            return named
        if "$ref" in prop:
            return self.obj(self.components[prop["$ref"].rsplit("/", 1)[-1]])
        for key in ("anyOf", "oneOf", "allOf"):
            if key in prop:
                options = [p for p in prop[key] if p.get("type") != "null"]
                return self.value(name, options[0]) if options else None
        if "enum" in prop:
            return prop["enum"][0]
        kind = prop.get("type")
        if kind == "integer":
            return 2024 if "year" in name else 1
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        if kind == "array":
            return []
        if kind == "object":
            return self.obj(prop)
        if prop.get("format") == "date":
            return "2024-01-01"
        return "x"

    def obj(self, schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return {name: self.value(name, prop) for name, prop in schema.get("properties", {}).items()}

    def upload(self) -> SimpleUploadedFile:
        """A file whose rows put a household and an entity into the other county."""
        o = self.other
        text = ("id_number,village_code,status,credit_code,name,kind,region_code\n"
                f"{factories.resident_id(778)},{o['village'].code},registered_poor,{factories.uscc(777002)},"
                f"SWEEP-INTRUDER,cooperative,{o['county'].code}\n")
        return SimpleUploadedFile("sweep.csv", text.encode(), content_type="text/csv")


# -- fixtures ------------------------------------------------------------------------------------------------------
@pytest.fixture
def sweep_world(db):
    w = two_counties()
    w.here["user"] = factories.user("sweep_county", roles="clerk,reviewer", scope_level="county", scope_code="522627")
    return w


def secrets_of(side: dict[str, Any]) -> list[str]:
    h, e = side["household"], side["entity"]
    return [h.registry_code, h.head_name, h.phone, h.phone[:3] + "****" + h.phone[-4:], e.name, e.credit_code]


def state_of(side: dict[str, Any]) -> dict[str, Any]:
    """Everything that says whether the other county's household and entity were changed or got new links."""
    h, e = side["household"], side["entity"]
    state: dict[str, Any] = {
        "household": model_to_dict(Household.objects.get(pk=h.pk)),
        "entity": model_to_dict(MarketEntity.objects.get(pk=e.pk)),
        "households_there": sorted(Household.objects.filter(village__code__startswith="130631").values_list("pk", flat=True)),
        "entities_there": sorted(MarketEntity.objects.filter(region__code__startswith="130631").values_list("pk", flat=True)),
        "audit": AuditEntry.objects.filter(object_type__in=["registry.household", "registry.marketentity"],
                                           object_id__in=[str(h.pk), str(e.pk)]).count(),
    }
    for obj in (h, e):
        for rel in type(obj)._meta.related_objects:
            if rel.one_to_many or rel.one_to_one:
                key = f"{type(obj).__name__}.{rel.related_model.__name__}.{rel.field.name}"
                state[key] = rel.related_model._base_manager.filter(**{rel.field.name: obj.pk}).count()
    return state


# -- 1. anonymous --------------------------------------------------------------------------------------------------
def _refused_page(response) -> bool:
    if response.status_code in (301, 302):
        return response["Location"].startswith(LOGIN_PATHS)
    return response.status_code in (401, 403, 405)


def test_every_page_refuses_anonymous_requests():
    client = Client()
    objects = Objects(household=1, entity=1)
    paths, unfillable = concrete_paths(objects)
    assert not unfillable, f"cannot fill the parameters of {unfillable}: add samples to PARAM_SAMPLES"
    assert len(paths) > 20, "the sweep found suspiciously few routes"
    leaks = []
    for route, path in paths:
        if route in PUBLIC_ROUTES:
            continue
        for method in ("get", "post"):
            r = getattr(client, method)(path)
            if not _refused_page(r):
                leaks.append(f"{method.upper()} {path} ({route}) -> {r.status_code} {r.get('Location', '')}")
    assert not leaks, "anonymous requests not refused:\n" + "\n".join(leaks)


def test_portal_pages_redirect_anonymous_users_to_the_portal_sign_in():
    client = Client()
    paths, _ = concrete_paths(Objects(household=1, entity=1))
    portal = [(route, p) for route, p in paths if not route.startswith(("admin/", "api/", "i18n/"))
              and route not in PUBLIC_ROUTES]
    assert any(route == "households/<int:pk>/" for route, _ in portal)
    wrong = []
    for _route, path in portal:
        r = client.get(path)
        if r.status_code == 405:
            continue
        if r.status_code != 302 or not r["Location"].startswith(f"{LOGIN_PATHS[0]}?next="):
            wrong.append(f"{path} -> {r.status_code} {r.get('Location', '')}")
    assert not wrong, "portal pages must send anonymous users to the sign-in page:\n" + "\n".join(wrong)


def test_every_api_operation_refuses_anonymous_requests():
    client = Client()
    operations, _ = api_operations()
    assert len(operations) > 10
    leaks = []
    for method, path, _op in operations:
        if f"{method.upper()} {path}" in PUBLIC_ROUTES:
            continue
        for concrete in api_paths(path, Objects(household=1, entity=1)):
            r = client.generic(method.upper(), concrete, data="{}", content_type="application/json")
            if r.status_code not in (401, 405):
                leaks.append(f"{method.upper()} {concrete} -> {r.status_code}")
            elif r.status_code == 401 and r.json().get("code") != "not_authenticated":
                leaks.append(f"{method.upper()} {concrete} -> 401 without the JSON error body")
    assert not leaks, "API operations not refusing anonymous requests (401):\n" + "\n".join(leaks)


def test_every_django_route_under_the_api_is_an_operation_of_the_schema():
    """So that sweeping the schema's operations covers every API URL."""
    operations, _ = api_operations()
    documented = {path for _, path, _ in operations}
    missing = []
    for route, _ in url_routes():
        if not route.startswith(API_PREFIX) or route in PUBLIC_ROUTES:
            continue
        as_openapi = "/" + _ROUTE_PARAM.sub(lambda m: "{" + m.group("name") + "}", route)
        if as_openapi not in documented:
            missing.append(route)
    assert not missing, f"API routes missing from the OpenAPI schema (not swept): {missing}"


def test_public_routes_exist_and_answer_anonymous_users():
    client = Client()
    routes = {route for route, _ in url_routes()}
    operations, _ = api_operations()
    ops = {f"{m.upper()} {p}": (m, p) for m, p, _ in operations}
    problems = []
    for entry in sorted(PUBLIC_ROUTES):
        if entry in ops:
            method, path = ops[entry]
            for concrete in api_paths(path, Objects(household=1, entity=1)):
                r = client.generic(method.upper(), concrete, data="{}", content_type="application/json")
                if r.status_code == 401 or r.status_code >= 500:
                    problems.append(f"{entry}: {r.status_code}")
        elif entry in routes:
            for path in fill_route(entry, Objects(household=1, entity=1)):
                r = client.get("/" + path)
                if r.status_code >= 500 or (r.status_code == 302 and r["Location"].startswith(LOGIN_PATHS)
                                            and not path.startswith("i18n")):
                    problems.append(f"{entry}: {r.status_code}")
        else:
            problems.append(f"{entry}: no such route (remove it from PUBLIC_ROUTES)")
    assert not problems, "\n".join(problems)


def test_operations_without_security_are_exactly_the_public_ones():
    operations, _ = api_operations()
    unsecured = {f"{m.upper()} {p}" for m, p, op in operations if not op.get("security")}
    assert unsecured <= PUBLIC_ROUTES, f"API operations without authentication that are not on PUBLIC_ROUTES: {sorted(unsecured - PUBLIC_ROUTES)}"


# -- 2. another county's households and entities ------------------------------------------------------------------
def test_fill_route_uses_the_objects_for_household_and_entity_ids():
    objects = Objects(household=41, entity=42)
    assert fill_route("households/<int:pk>/", objects) == ["households/41/"]
    assert fill_route("x/entities/<int:pk>/edit/", objects) == ["x/entities/42/edit/"]
    assert fill_route("regions/<str:code>/", objects) == ["regions/130631/"]
    assert fill_route("admin/(?P<app_label>auth|core)/$", objects) == ["admin/auth/"]
    assert api_paths("/api/v1/households/{pk}", objects) == ["/api/v1/households/41"]


def test_county_user_pages_never_show_another_countys_households_or_entities(sweep_world):
    w = sweep_world
    client = Client()
    client.force_login(w.here["user"])
    other = Objects(household=w.there["household"].pk, entity=w.there["entity"].pk)
    secrets = secrets_of(w.there)
    paths, unfillable = concrete_paths(other)
    assert not unfillable
    leaks, errors, refused = [], [], []
    for route, path in paths:
        for suffix in ("", "?export=csv"):
            r = client.get(path + suffix)
            if r.status_code >= 500:
                errors.append(f"GET {path}{suffix} -> {r.status_code}")
                continue
            body = b"".join(r.streaming_content) if r.streaming else r.content
            text = body.decode("utf-8", errors="replace")
            shown = [s for s in secrets if s and s in text]
            if shown and r.status_code < 400:
                leaks.append(f"GET {path}{suffix} shows {shown}")
        if any(seg in route for seg in ("households/<", "entities/<")):
            refused.append((route, path, client.get(path).status_code))
    assert not errors, "\n".join(errors)
    assert not leaks, "another county's data shown:\n" + "\n".join(leaks)
    assert refused, "the sweep found no household or entity pages"
    not_refused = [f"{p} -> {s}" for _, p, s in refused if s not in (403, 404)]
    assert not not_refused, "another county's objects readable:\n" + "\n".join(not_refused)
    # the control: the same routes with the user's own objects work, so the refusals above are the scope's doing
    own = Objects(household=w.here["household"].pk, entity=w.here["entity"].pk)
    for route, _, _ in refused:
        for path in fill_route(route, own):
            assert client.get("/" + path).status_code == 200, path
    body = client.get("/households/").content.decode()
    assert w.here["household"].registry_code in body and w.here["household"].head_name in body


def test_county_user_api_never_reads_another_countys_households_or_entities(sweep_world):
    w = sweep_world
    headers = {"HTTP_AUTHORIZATION": f"Bearer {factories.token(w.here['user'])}"}
    client = Client()
    other = Objects(household=w.there["household"].pk, entity=w.there["entity"].pk)
    own = Objects(household=w.here["household"].pk, entity=w.here["entity"].pk)
    secrets = secrets_of(w.there)
    operations, _ = api_operations()
    leaks, errors, by_id = [], [], []
    for method, path, _op in operations:
        if method != "get":
            continue
        for concrete in api_paths(path, other):
            r = client.get(concrete, **headers)
            if r.status_code >= 500:
                errors.append(f"GET {concrete} -> {r.status_code}")
                continue
            text = r.content.decode("utf-8", errors="replace")
            if r.status_code < 400 and (shown := [s for s in secrets if s and s in text]):
                leaks.append(f"GET {concrete} shows {shown}")
        segments = [_param_kind(s) for s in path.split("/")]
        if any(segments) and re.search(r"/(households|entities)/\{", path):
            by_id.append((path, api_paths(path, other)[0]))
    assert not errors, "\n".join(errors)
    assert not leaks, "another county's data shown by the API:\n" + "\n".join(leaks)
    readable = [f"{p} -> {s}" for _, p in by_id if (s := client.get(p, **headers).status_code) not in (403, 404)]
    assert not readable, "another county's objects readable through the API:\n" + "\n".join(readable)
    for path, _ in by_id:  # the control: the user's own objects are readable through the same operations
        assert client.get(api_paths(path, own)[0], **headers).status_code == 200, path


def unsafe_sweep(user: Any, target: dict[str, Any]) -> list[str]:
    """Call every unsafe API operation and POST every page as `user`, with data aimed at `target` (its objects' ids
    in the path, its codes and ids in the body, a file putting rows into its county); the problems found."""
    operations, schema = api_operations()
    body = Body(schema, target)
    objects = Objects(household=target["household"].pk, entity=target["entity"].pk)
    api = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {factories.token(user)}"}
    problems = []
    for method, path, op in operations:
        if method not in UNSAFE:
            continue
        content = op.get("requestBody", {}).get("content", {})
        for concrete in api_paths(path, objects):
            if "multipart/form-data" in content:
                data = {k: v for k, v in body.obj(content["multipart/form-data"]["schema"]).items()}
                data = {k: (body.upload() if k == "file" else v) for k, v in data.items()}
                r = api.generic(method.upper(), concrete, **headers) if method != "post" else api.post(concrete, data, **headers)
            else:
                payload = body.obj(content["application/json"]["schema"]) if "application/json" in content else {}
                r = api.generic(method.upper(), concrete, json.dumps(payload), content_type="application/json", **headers)
            if r.status_code >= 500:
                problems.append(f"{method.upper()} {concrete} -> {r.status_code}")
            addressed = re.search(r"/(households|entities)/\{", path)
            if addressed and r.status_code < 400:
                problems.append(f"{method.upper()} {concrete} accepted ({r.status_code}) for an object not the user's")
    pages = Client()
    pages.force_login(user)
    paths, _ = concrete_paths(objects)
    form = {"kind": "households", "dry_run": "", **{k: body.by_name(k) for k in (
        "village_code", "region_code", "code", "resident_id", "id_number", "credit_code", "household_id",
        "entity_id", "name", "head_name", "phone")}}
    for route, path in paths:
        if route.startswith(("admin/", "i18n/")):
            continue
        pages.force_login(user)  # a page may sign the user out (logout/)
        r = pages.post(path, {**form, "file": body.upload()})
        if r.status_code >= 500:
            problems.append(f"POST {path} -> {r.status_code}")
    return problems


def test_county_user_cannot_change_another_countys_households_or_entities(sweep_world):
    """Every unsafe API operation and every page, called with data aimed at the other county (its objects' ids
    in the path, its codes and ids in the body, a file putting rows into it): nothing of it changes."""
    w = sweep_world
    before = state_of(w.there)
    problems = unsafe_sweep(w.here["user"], w.there)
    assert not problems, "\n".join(problems)
    assert state_of(w.there) == before, "another county's household or entity was changed"


# -- 3. for whom: market entities and buyers act only for themselves ------------------------------------------------
@pytest.mark.parametrize("who", ["cooperative_clerk", "budget_unit_clerk"])
def test_market_entities_and_buyers_change_no_household_and_no_other_seller(sweep_world, who):
    """The permission matrix covers *for whom* as well as *where*: a cooperative's clerk scoped to its own county and
    a budget unit's clerk scoped to the nation sweep every unsafe operation and page with data aimed at a household
    of that county and at another seller of it. Their region scope covers both; their organisation is neither the
    county office nor that seller, so nothing of it changes."""
    w = sweep_world
    own = w.here["entity"]
    target = {**w.here, "entity": factories.entity("天柱县邻村合作社", kind="cooperative", region_code="522627")}
    if who == "cooperative_clerk":
        org = factories.organisation("天柱县高酿合作社", kind="private_enterprise", region_code="522627",
                                     credit_code=own.credit_code)
        user = factories.user("sweep_coop", roles="clerk", scope_level="county", scope_code="522627",
                              organisation=org)
    else:
        user = factories.user("sweep_unit", roles="clerk", organisation=w.here["unit"])
    before = state_of(target)
    problems = unsafe_sweep(user, target)
    assert not problems, "\n".join(problems)
    assert state_of(target) == before, f"the {who} changed a household or another seller"
