from django.db import migrations


def seed(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.public.parameters import DEFAULTS

    seed_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
