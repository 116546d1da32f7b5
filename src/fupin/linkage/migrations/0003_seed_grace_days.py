from django.db import migrations


def seed(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.linkage.parameters import DEFAULTS

    seed_defaults(apps, DEFAULTS)  # idempotent: adds linkage.payment_grace_days to databases seeded by 0002


class Migration(migrations.Migration):
    dependencies = [("linkage", "0002_seed_parameters")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
