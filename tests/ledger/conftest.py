"""Ledger fixtures: the county clerk of the shared fixtures books for its county office, which compiles the county's
purchase reports and holds a reporting right for the test source (every buyer, and sales to the public)."""

from __future__ import annotations

import pytest

from tests.ledger import factories as lf


@pytest.fixture
def county_clerk(county_clerk):
    """The clerk of 522627 (its county office) whose office holds a reporting right under the source "test" for
    every registered buyer and for sales to members of the public (the tests that book for other buyers)."""
    lf.reporting_right(county_clerk.organisation, source="test", public_sales=True)
    return county_clerk
