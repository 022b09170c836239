"""Bulk inserts for big imports: plain `executemany` with ids reserved up front.

`QuerySet.bulk_create` prepares every value of every row through the field machinery, which costs more
than the database's own work for a 100,000-row ledger. Here each field gets one converter, chosen once,
and the rows go to the driver as tuples. Only for plain models (no multi-table inheritance, no signals
expected); the caller holds a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC

from django.db import connection, models
from django.utils import timezone


def _converter(field: models.Field) -> Callable:
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        if connection.vendor == "sqlite":
            # What Django's SQLite backend stores: naive UTC text.
            return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return lambda v: v
    if kind in {"CharField", "TextField", "BooleanField", "IntegerField", "BigIntegerField", "SmallIntegerField",
                "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField", "FloatField",
                "ForeignKey", "OneToOneField", "AutoField", "BigAutoField"}:
        return lambda v: v
    return lambda v: field.get_db_prep_save(v, connection)


def _reserve_ids(model: type[models.Model], n: int) -> list[int]:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [model._meta.db_table, pk, n])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write lock is held (IMMEDIATE transaction), so nobody else hands out ids now;
        # AUTOINCREMENT's high-water mark is respected so no deleted id is reused.
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {table}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return list(range(start, start + n))


def insert(objs: Sequence[models.Model], *, batch: int = 5000) -> None:
    """Insert unsaved instances of one model; sets their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = _fields(model)
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        setattr(obj, meta.pk.attname, pk)
        for f in auto:
            f.pre_save(obj, add=True)
        obj._state.adding = False
    converters = [(f.attname, _converter(f)) for f in fields]
    _execute(model, fields, ([conv(getattr(obj, name)) for name, conv in converters] for obj in objs), batch)


def insert_values(model: type[models.Model], rows: Sequence[dict], *, batch: int = 5000) -> None:
    """Insert rows given as {attname: value} (no model instances: cheaper for millions of small rows);
    fields left out take their defaults."""
    if not rows:
        return
    meta = model._meta
    fields = _fields(model)
    defaults = {f.attname: f.get_default() for f in fields if f.has_default() or f.null}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = timezone.now()
    ids = iter(_reserve_ids(model, len(rows)))
    converters = [(f.attname, _converter(f)) for f in fields]
    pk = meta.pk.attname

    def values(row: dict) -> list:
        full = {**defaults, **row, pk: next(ids)}
        return [conv(full[name]) for name, conv in converters]

    _execute(model, fields, (values(r) for r in rows), batch)


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _execute(model, fields, rows, batch: int) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("core.bulk needs a transaction")
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY streams the rows in one command: several times faster than row-by-row INSERTs.
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
