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


def seed_all_parameters():
    """Every app's dated parameter defaults, for browser tests: a flush between transactional tests removes what the
    migrations seeded, and a page (the navigation's inbox, the dashboards) reads other apps' parameters too."""
    import importlib

    from django.apps import apps

    from fupin.core.params import seed_defaults

    for config in apps.get_app_configs():
        if not config.name.startswith("fupin."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.parameters")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "DEFAULTS"):
            seed_defaults(apps, module.DEFAULTS)
