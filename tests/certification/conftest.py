import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English unless a test switches language (other tests may leave one active)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _parameters(request):
    """The dated parameters seeded by migration 0002 (a transactional test elsewhere may have flushed them)."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames or request.node.get_closest_marker(
            "django_db"):
        seed_certification_parameters()


def seed_certification_parameters():
    from django.apps import apps

    from fupin.certification.parameters import DEFAULTS
    from fupin.core.params import seed_defaults

    seed_defaults(apps, DEFAULTS)
