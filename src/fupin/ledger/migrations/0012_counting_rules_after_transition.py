"""The 2021 counting rule versions end with the transition period (31 December 2025); the continuation versions
from 2026 are seeded (`ledger.parameters.DEFAULTS`). Entries keep the version they were counted with."""

import datetime as dt

from django.db import migrations


def forwards(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.ledger.parameters import COUNTING_RULES, DEFAULTS, TRANSITION_END

    model = apps.get_model("core", "PolicyParameter")
    model.objects.filter(key=COUNTING_RULES, valid_from=dt.date(2021, 1, 1), valid_to__isnull=True).update(
        valid_to=TRANSITION_END)
    seed_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_import_heartbeat"), ("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
