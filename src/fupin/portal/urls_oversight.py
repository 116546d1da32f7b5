"""Oversight pages for auditors and administrators (names join the `portal:` namespace)."""

from django.urls import path

from .views import oversight

urlpatterns = [
    path("oversight/audit/", oversight.audit_log, name="audit_log"),
    path("oversight/security/", oversight.security_log, name="security_log"),
]
