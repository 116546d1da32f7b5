import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English unless a test switches language (other tests may leave one active)."""
    with translation.override("en"):
        yield
