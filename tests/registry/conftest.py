from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords_and_private_storage(settings, tmp_path):
    """Cheap password hashing, and uploaded/rejected files kept in the test's own folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "files")}},
    }
