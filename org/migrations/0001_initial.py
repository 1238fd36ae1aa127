"""The organization's models, moved from billing in state only (issue 13).

Their tables were made by billing's migrations and keep their names (``db_table``),
so this needs billing's tables first and creates nothing in the database. Existing
content types move to ``org`` so groups keep their permissions (``org.change_site``).
"""

import django.core.validators
import django.db.models.deletion
import org.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


MODELS = ["site", "department", "extension", "historicalextension", "trunk"]


def content_types_to_org(apps, schema_editor):
    """Relabel the models' content types, so their permissions and admin history
    follow them (``billing.change_site`` becomes ``org.change_site``)."""
    _relabel(apps, "billing", "org")


def content_types_to_billing(apps, schema_editor):
    _relabel(apps, "org", "billing")


def _relabel(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('billing', '0006_rollup_unrated'),
        ('rating', '0002_tariffs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist (billing 0001-0006 made them): only the state learns the models.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('code', models.CharField(help_text='Cost-centre code used in reports and exports.', max_length=50, unique=True)),
                        ('managers', models.ManyToManyField(blank=True, related_name='managed_departments', to=settings.AUTH_USER_MODEL)),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='org.department')),
                    ],
                    options={
                        'db_table': 'billing_department',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='Site',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('slug', models.SlugField(unique=True)),
                        ('time_zone', models.CharField(default='UTC', help_text='IANA name, e.g. America/Argentina/Cordoba. Calls are shown in this zone.', max_length=64, validators=[org.models.validate_time_zone])),
                        ('country_code', models.CharField(help_text='Country calling code, e.g. "54".', max_length=4, validators=[django.core.validators.RegexValidator('^[0-9]*$', 'Digits only.')])),
                        ('area_code', models.CharField(blank=True, help_text='e.g. "351".', max_length=6, validators=[django.core.validators.RegexValidator('^[0-9]*$', 'Digits only.')])),
                        ('national_prefix', models.CharField(blank=True, default='0', max_length=4, validators=[django.core.validators.RegexValidator('^[0-9]*$', 'Digits only.')])),
                        ('international_prefix', models.CharField(blank=True, default='00', max_length=4, validators=[django.core.validators.RegexValidator('^[0-9]*$', 'Digits only.')])),
                        ('access_codes', models.JSONField(blank=True, default=list, help_text='Outside-line access codes dialled before external numbers, e.g. ["0"].', validators=[org.models.validate_access_codes])),
                        ('country', models.CharField(blank=True, help_text='ISO 3166 country for number formats and public holidays; empty: the country of the calling code (54 gives AR).', max_length=2, validators=[django.core.validators.RegexValidator('^[A-Z]{2}$', 'An ISO 3166 code such as AR.')])),
                        ('subdivision', models.CharField(blank=True, help_text='Province or state whose public holidays apply, as the `holidays` library codes it (e.g. X for Córdoba, Argentina).', max_length=10)),
                        ('currency', models.CharField(max_length=3, validators=[django.core.validators.RegexValidator('^[A-Z]{3}$', 'Use an ISO 4217 code such as ARS or USD.')])),
                        ('rate_plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sites', to='rating.rateplan')),
                    ],
                    options={
                        'db_table': 'billing_site',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalExtension',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('number', models.CharField(max_length=32)),
                        ('holder', models.CharField(blank=True, help_text='Person or place using it.', max_length=200)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('department', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.department')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.site')),
                    ],
                    options={
                        'verbose_name': 'historical extension',
                        'verbose_name_plural': 'historical extensions',
                        'db_table': 'billing_historicalextension',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Extension',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=32)),
                        ('holder', models.CharField(blank=True, help_text='Person or place using it.', max_length=200)),
                        ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='extensions', to='org.department')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='extensions', to='org.site')),
                    ],
                    options={
                        'db_table': 'billing_extension',
                        'ordering': ['site', 'number'],
                        'constraints': [models.UniqueConstraint(fields=('site', 'number'), name='extension_unique_per_site')],
                    },
                ),
                migrations.CreateModel(
                    name='Trunk',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text="The trunk's id in the PBX's records.", max_length=64)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('answer_after_seconds', models.PositiveIntegerField(blank=True, help_text='For analog trunks without answer supervision: calls shorter than this count as unanswered; longer ones are charged for their whole length.', null=True)),
                        ('rate_plan', models.ForeignKey(blank=True, help_text="Prices calls on this trunk instead of the site's plan (another carrier).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='trunks', to='rating.rateplan')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='trunks', to='org.site')),
                    ],
                    options={
                        'db_table': 'billing_trunk',
                        'ordering': ['site', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('site', 'name'), name='trunk_unique_per_site')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_org, content_types_to_billing),
    ]
