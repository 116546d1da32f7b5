"""Issue #10 §4: the attribution rule as dated data (`ledger.attribution`): which relation kinds credit which
scheme, and that relations between regions do not credit central units sitting in the helping region."""

from django.db import migrations


def seed_attribution(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.ledger.parameters import ATTRIBUTION_DEFAULTS

    seed_defaults(apps, ATTRIBUTION_DEFAULTS)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0013_cross_source_match_and_origin_exceptions'),
    ]

    operations = [
        migrations.RunPython(seed_attribution, migrations.RunPython.noop),
    ]
