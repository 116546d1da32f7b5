"""The demo world: one deterministic story built through the services, used by `make demo` and by tests.

Each domain app contributes a `demo.build(world)` step; they run in dependency order. A step reads what
earlier steps made from `world` (and may add to it), draws randomness only from `world.rng`, and writes
only through its app's services, with `world.actor` as the actor.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

SCALES = {
    # how many of each thing per poverty county used, and how many counties
    "small": {"counties": 6, "entities_per_county": 4, "households_per_county": 12, "purchases": 1500},
    "medium": {"counties": 40, "entities_per_county": 10, "households_per_county": 60, "purchases": 40000},
}

DEMO_PASSWORD = "fupin-demo-2026"  # noqa: S105 - the published password of the demo logins, not a secret


@dataclass
class World:
    seed: int
    scale: str
    today: dt.date = dt.date(2026, 11, 29)
    rng: random.Random = field(init=False)
    actor: Any = "seed_demo"
    password: str = DEMO_PASSWORD  # of every demo login; the domain steps read it here (they sit below fupin.demo)
    # filled by the steps
    regions: dict[str, Any] = field(default_factory=dict)        # named regions: "counties" -> [Region], ...
    organisations: dict[str, Any] = field(default_factory=dict)  # key -> Organisation or list
    entities: list[Any] = field(default_factory=list)
    households: list[Any] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)          # username -> User
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, password, what it shows)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale {self.scale!r}: use {', '.join(SCALES)}")
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data needs a seeded PRNG, not crypto

    @property
    def size(self) -> dict[str, int]:
        return SCALES[self.scale]

    def sub_rng(self, name: str) -> random.Random:
        """An independent, deterministic stream per step, so adding a step does not reshuffle the others."""
        return random.Random(f"{self.seed}:{name}")  # noqa: S311 - demo data needs a seeded PRNG, not crypto
