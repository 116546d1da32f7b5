"""Leadership tests read messages in English unless they ask for Chinese."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield
