"""Issue #10 §2: the poverty-reduction-effect decisions (带贫成效突出) and their dated thresholds."""

import django.db.models.deletion
from django.db import migrations, models


def seed(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.linkage.parameters import DEFAULTS, POVERTY_REDUCTION_EFFECT

    seed_defaults(apps, [d for d in DEFAULTS if d.key == POVERTY_REDUCTION_EFFECT])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_integrity_chains'),
        ('linkage', '0003_seed_grace_days'),
        ('registry', '0002_dated_status_and_region_sets'),
    ]

    operations = [
        migrations.CreateModel(
            name='PovertyEffectDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('qualifies', models.BooleanField(default=False, verbose_name='qualifies')),
                ('facts', models.JSONField(default=dict, verbose_name='facts used')),
                ('unmet', models.JSONField(default=list, verbose_name='conditions not met')),
                ('computed_at', models.DateTimeField(verbose_name='computed')),
                ('entity', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='poverty_effect_decisions', to='registry.marketentity', verbose_name='market entity')),
                ('rule_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.policyparameter', verbose_name='thresholds version')),
            ],
            options={
                'verbose_name': 'poverty-reduction effect decision',
                'verbose_name_plural': 'poverty-reduction effect decisions',
                'ordering': ['-year', 'entity_id'],
                'indexes': [models.Index(fields=['year', 'qualifies'], name='linkage_effect_year')],
                'constraints': [models.UniqueConstraint(fields=('entity', 'year'), name='linkage_effect_entity_year')],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
