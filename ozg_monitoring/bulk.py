"""Fast inserts for large generated data sets (demo content, benchmark): plain multi-row INSERTs through the
DB-API, without building a model instance per row. Only for rows the caller has already validated."""

import json

from django.db import connection


def _converter(field):
    """A function turning a Python value into what the DB-API takes for this field (None stays None)."""
    internal = field.get_internal_type()
    if internal == "JSONField":
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    return None


def fast_insert(model, fields: list[str], rows, *, page_size: int = 5000) -> int:
    """Inserts `rows` (tuples in the order of `fields`, model field names) into the model's table."""
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in model_fields)
    table = connection.ops.quote_name(meta.db_table)
    converters = [_converter(field) for field in model_fields]
    adapted = [
        tuple(value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True))
        for row in rows
    ]
    if not adapted:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            casts = ", ".join("%s::jsonb" if field.get_internal_type() == "JSONField" else "%s"
                              for field in model_fields)
            execute_values(cursor.cursor, f"INSERT INTO {table} ({columns}) VALUES %s",  # noqa: S608
                           adapted, template=f"({casts})", page_size=page_size)
        else:
            placeholders = ", ".join(["%s"] * len(model_fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", adapted)  # noqa: S608
    return len(adapted)
