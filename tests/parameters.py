"""The dated parameters the data migrations seed, seeded again for tests that run after a flush."""

from __future__ import annotations


def seed_all_parameters() -> None:
    """Every app's dated parameter defaults (each `*DEFAULTS` list of ParamDefault in an app's `parameters` module
    and the reserved share's rules): a flush between transactional tests removes what the data migrations seeded,
    and every page reads parameters (the navigation's inbox, the dashboards, the responsibility matrix)."""
    import importlib

    from django.apps import apps

    from fupin.core.params import ParamDefault, seed_defaults

    modules = ["fupin.ledger.reserved_share.rules"]
    modules += [f"{c.name}.parameters" for c in apps.get_app_configs() if c.name.startswith("fupin.")]
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for attr, value in vars(module).items():
            if attr.endswith("DEFAULTS") and isinstance(value, list) and value and all(
                    isinstance(d, ParamDefault) for d in value):
                seed_defaults(apps, value)
