"""Shared by `fupin user_create` and `fupin user_roles`: the arguments naming what a user may do, and the one way a
refusal ends a command (its message on stderr, exit status 2 for bad input, 1 otherwise)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from fupin.core.errors import FupinError, InvalidInput
from fupin.core.rules import SCOPE_LEVEL_BY_DIGITS


def add_access_arguments(parser: Any, *, required: bool) -> None:
    parser.add_argument("--roles", required=required, default=None,
                        help="comma-separated: viewer, clerk, reviewer, approver, administrator, auditor")
    parser.add_argument("--scope", default=None,
                        help="region code of the scope: 2, 4 or 6 significant digits (45 or 450000 a province, 4501 "
                             "a prefecture, 450103 a county); empty for the nation")
    parser.add_argument("--scope-level", default=None, choices=["nation", *SCOPE_LEVEL_BY_DIGITS.values()],
                        help="the scope level, when not the one the code's digits name")
    parser.add_argument("--organisation", default=None,
                        help="unified social credit code or id of the organisation the user acts for")


def refused(exc: FupinError) -> CommandError:
    return CommandError(str(exc.message), returncode=2 if isinstance(exc, InvalidInput) else 1)
