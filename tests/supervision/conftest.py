"""Supervision tests read messages in English unless they ask for Chinese (a page request in Chinese leaves the
thread's language active after it)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield
