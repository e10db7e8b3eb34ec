import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models
from django.db.migrations.operations.base import Operation


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class OnPostgreSQL(Operation):
    """An operation run on PostgreSQL only, and known to no model state: SQLite has no
    exclusion constraints, and there one writer at a time serializes bookings instead."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"On PostgreSQL: {self.operation.describe()}"


class Migration(migrations.Migration):

    dependencies = [
        ('LittleLemonDRF', '0010_restaurant_clock'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='orderevent',
            name='reservation_id',
            field=models.BigIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AlterField(
            model_name='orderevent',
            name='order_id',
            field=models.BigIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AlterField(
            model_name='orderevent',
            name='type',
            field=models.CharField(choices=[('order.created', 'Created'), ('order.updated', 'Updated'), ('reservation.created', 'Reservation Created'), ('reservation.updated', 'Reservation Updated')], max_length=24),
        ),
        migrations.CreateModel(
            name='Table',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, unique=True)),
                ('seats', models.PositiveSmallIntegerField()),
                ('active', models.BooleanField(default=True)),
            ],
            options={
                'ordering': ['id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('seats__gte', 1), ('seats__lte', 30)), name='table_seats_in_range', violation_error_message='A table has from 1 to 30 seats.')],
            },
        ),
        migrations.CreateModel(
            name='Reservation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=255)),
                ('phone', models.CharField(blank=True, default='', max_length=30)),
                ('party_size', models.PositiveSmallIntegerField()),
                ('start', models.DateTimeField(db_index=True)),
                ('end', models.DateTimeField()),
                ('status', models.CharField(choices=[('confirmed', 'Confirmed'), ('seated', 'Seated'), ('completed', 'Completed'), ('cancelled', 'Cancelled'), ('no_show', 'No Show')], db_index=True, default='confirmed', max_length=9)),
                ('note', models.CharField(blank=True, default='', max_length=500)),
                ('created', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('idempotency_key', models.CharField(blank=True, default='', editable=False, max_length=255)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reservations', to=settings.AUTH_USER_MODEL)),
                ('table', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reservations', to='LittleLemonDRF.table')),
            ],
            options={
                'ordering': ['start', 'id'],
                'indexes': [models.Index(fields=['table', 'start'], name='reservation_table_start')],
                'constraints': [models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='reservation_ends_later'), models.CheckConstraint(condition=models.Q(('party_size__gte', 1)), name='reservation_has_guests'), models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('user', 'idempotency_key'), name='reservation_idempotency_key_per_user')],
            },
        ),
        OnPostgreSQL(BtreeGistExtension()),
        # Never two reservations holding one table at overlapping times, whatever the
        # concurrency (models.tables.NO_OVERLAP).
        OnPostgreSQL(
            migrations.AddConstraint(
                model_name="reservation",
                constraint=ExclusionConstraint(
                    name="reservation_no_overlap",
                    expressions=[
                        (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                        ("table", RangeOperators.EQUAL),
                    ],
                    condition=models.Q(status__in=["confirmed", "seated"]),
                ),
            )
        ),
    ]
