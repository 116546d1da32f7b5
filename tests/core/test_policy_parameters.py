"""Policy parameter versions are immutable but for their end (issue #9 item 6): results name the version that
produced them (`rule_version`), so a change of value is a new version, which closes the one before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from fupin.core import params, services
from fupin.core.errors import InvalidInput
from fupin.core.models import AuditEntry, PolicyParameter, User

pytestmark = pytest.mark.django_db

D = dt.date
KEY = "test.reserved_share"


@pytest.fixture
def v2021():
    return services.policy_parameter_create(key=KEY, value=10, valid_from=D(2021, 1, 1), source="财库〔2021〕19号",
                                            actor="test")


def test_a_new_version_closes_the_one_in_force_before_it(v2021):
    v2024 = services.policy_parameter_create(key=KEY, value=12, valid_from=D(2024, 1, 1), actor="test")
    v2021.refresh_from_db()
    assert (v2021.valid_to, v2021.value, v2024.valid_to) == (D(2023, 12, 31), 10, None)
    assert params.get(KEY, on=D(2023, 12, 31)).id == v2021.pk and params.get(KEY, on=D(2024, 1, 1)).id == v2024.pk
    close = AuditEntry.objects.get(action="policy_parameter:close", object_id=str(v2021.pk))
    assert close.before == {"valid_to": None} and close.after == {"valid_to": "2023-12-31"}
    assert close.reason == f"superseded by version #{v2024.pk}"


def test_a_back_dated_version_ends_before_the_next_one_and_other_regions_are_untouched(v2021):
    hubei = services.policy_parameter_create(key=KEY, value=15, valid_from=D(2021, 1, 1), region_prefix="42",
                                             actor="test")
    v2019 = services.policy_parameter_create(key=KEY, value=8, valid_from=D(2019, 1, 1), actor="test")
    assert v2019.valid_to == D(2020, 12, 31)
    v2021.refresh_from_db()
    hubei.refresh_from_db()
    assert v2021.valid_to is None and hubei.valid_to is None


@pytest.mark.parametrize("kwargs, code", [
    ({"valid_from": D(2021, 1, 1)}, "parameter_version_exists"),
    ({"valid_from": D(2025, 1, 1), "valid_to": D(2024, 1, 1)}, "bad_validity"),
])
def test_bad_versions_are_refused(v2021, kwargs, code):
    with pytest.raises(InvalidInput) as exc:
        services.policy_parameter_create(key=KEY, value=11, actor="test", **kwargs)
    assert exc.value.code == code
    assert PolicyParameter.objects.filter(key=KEY).count() == 1


def test_closing_is_the_one_change_and_is_audited(v2021):
    services.policy_parameter_close(parameter=v2021, valid_to=D(2022, 6, 30), actor="test", reason="rule repealed")
    v2021.refresh_from_db()
    assert v2021.valid_to == D(2022, 6, 30)
    with pytest.raises(InvalidInput):
        services.policy_parameter_close(parameter=v2021, valid_to=D(2020, 1, 1), actor="test")
    assert AuditEntry.objects.filter(action="policy_parameter:close").count() == 1


# -- the admin -----------------------------------------------------------------------------------------------------
@pytest.fixture
def admin_client():
    root = User.objects.create_superuser("padmin", "p@example.org", "an-admin-password-9")
    c = Client()
    c.force_login(root)
    return c


def _form(p: PolicyParameter, **changes) -> dict[str, str]:
    data = {"key": p.key, "region_prefix": p.region_prefix, "valid_from": p.valid_from.isoformat(),
            "valid_to": p.valid_to.isoformat() if p.valid_to else "", "value": str(p.value), "source": p.source,
            "note": p.note}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [{"value": "20"}, {"valid_from": "2020-01-01"}, {"region_prefix": "45"},
                                     {"value": "20", "valid_to": "2025-12-31"}])
def test_the_admin_refuses_to_change_a_version_in_place(admin_client, v2021, changes):
    url = f"/admin/core/policyparameter/{v2021.pk}/change/"
    r = admin_client.post(url, _form(v2021, **changes))
    assert r.status_code == 200 and "is not changed in place" in r.content.decode()
    v2021.refresh_from_db()
    assert (v2021.value, v2021.valid_from, v2021.region_prefix, v2021.valid_to) == (10, D(2021, 1, 1), "", None)
    assert not AuditEntry.objects.filter(object_id=str(v2021.pk)).exclude(action="policy_parameter:create").exists()


def test_the_admin_closes_a_version(admin_client, v2021):
    r = admin_client.post(f"/admin/core/policyparameter/{v2021.pk}/change/", _form(v2021, valid_to="2025-12-31"))
    assert r.status_code == 302
    v2021.refresh_from_db()
    assert v2021.valid_to == D(2025, 12, 31) and v2021.value == 10
    entry = AuditEntry.objects.get(action="policy_parameter:close", object_id=str(v2021.pk))
    assert entry.actor_name == "padmin" and entry.after == {"valid_to": "2025-12-31"}


def test_the_admin_saves_a_change_as_a_new_version_that_closes_the_old_one(admin_client, v2021):
    r = admin_client.post(f"/admin/core/policyparameter/{v2021.pk}/change/",
                          {**_form(v2021, value="12", valid_from="2024-01-01"), "_saveasnew": "Save as new"})
    assert r.status_code == 302
    new = PolicyParameter.objects.get(key=KEY, valid_from=D(2024, 1, 1))
    v2021.refresh_from_db()
    assert (new.value, new.valid_to, v2021.value, v2021.valid_to) == (12, None, 10, D(2023, 12, 31))
    assert AuditEntry.objects.filter(action="policy_parameter:create", object_id=str(new.pk), actor_name="padmin").exists()
    assert AuditEntry.objects.filter(action="policy_parameter:close", object_id=str(v2021.pk)).exists()


def test_save_as_new_on_the_same_start_is_refused(admin_client, v2021):
    r = admin_client.post(f"/admin/core/policyparameter/{v2021.pk}/change/",
                          {**_form(v2021, value="12"), "_saveasnew": "Save as new"})
    assert r.status_code == 200
    assert PolicyParameter.objects.filter(key=KEY).count() == 1
