import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_nul_in_a_page_path_is_a_400_not_a_500(client):
    client.force_login(factories.user(roles="viewer"))
    assert client.get("/certification/catalogue/%00/").status_code == 400
    assert client.get("/regions/", {"q": "a\x00b"}).status_code == 400


def test_nul_in_api_query_and_json_body_is_a_json_400(api_as):
    api = api_as(factories.user(roles="administrator"))
    r = api.get("/regions", q="x\x00")
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    r = api.raw("post", "/organisations", '{"name": "a\\u0000b"}')
    assert r.status_code == 400 and r.json()["code"] == "bad_request"


def test_ordinary_requests_pass(client):
    assert client.get("/api/v1/health").status_code == 200
