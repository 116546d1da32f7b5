"""Issue #10 §4: the plausibility limits of a purchase row as dated data (`ledger.plausibility`): the earliest
purchase date and the largest amount of one row."""

from django.db import migrations


def seed_plausibility(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.ledger.parameters import PLAUSIBILITY_DEFAULTS

    seed_defaults(apps, PLAUSIBILITY_DEFAULTS)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0016_poverty_effect_basis'),
    ]

    operations = [
        migrations.RunPython(seed_plausibility, migrations.RunPython.noop),
    ]
