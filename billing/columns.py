"""The columns of ``Call``, declared once: the model is the declaration.

``CALL_COLUMNS`` is every stored column of ``Call`` in the model's field order, read
from ``Call._meta``; ``RECORDED_COLUMNS`` is what ``calls_record`` writes for each
call (COPY on PostgreSQL, batched INSERTs on SQLite). Adding a field to ``Call`` (and
its migration) adds it to both; ``calls_record`` then needs its value, unless the
column is one the database may fill (``LEFT_TO_DATABASE``).

Every other list of call columns is a subset chosen for a purpose, and says so where
it lives: the rollup facts (``billing.rollups.CallFact``), re-rating's reads and
writes (``billing.rerating``), the calls API's fields
(``billing.api.serializers.CallSerializer``, a contract), the calls download
(``reports.downloads.CALL_CSV_COLUMNS``) and the benchmarks' fills.
``tests/billing/test_columns.py`` checks that each names columns ``Call`` has.
"""

from .models import Call

# Each column's name is its field's attname ("site_id"; a test checks), so the same
# names serve SQL, COPY and ``values_list``.
CALL_COLUMNS: tuple[str, ...] = tuple(field.column for field in Call._meta.concrete_fields)

# Columns ``calls_record`` leaves out: the database fills them (the key), or they
# may stay NULL or at a database default (a test checks that they may).
LEFT_TO_DATABASE: tuple[str, ...] = ("id", "personal", "personal_note")

RECORDED_COLUMNS: tuple[str, ...] = tuple(
    column for column in CALL_COLUMNS if column not in LEFT_TO_DATABASE
)
