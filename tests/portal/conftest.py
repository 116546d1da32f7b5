from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from .factories import two_counties


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Pages are checked in both languages: make sure the .mo files are up to date (cheap when they are)."""
    from asgiref.local import Local
    from django.utils.translation import trans_real

    call_command("compile_translations", stdout=io.StringIO())
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Test users sign in with a fast hasher (the real one costs ~0.3 s per hash, twice per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return two_counties()


@pytest.fixture
def client_for():
    def make(user, language: str = "en") -> Client:
        c = Client(HTTP_ACCEPT_LANGUAGE=language)
        c.force_login(user)
        return c

    return make
