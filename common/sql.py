"""Raw-SQL helpers for many rows at once: fast inserts for large generated data sets (demo content, benchmark),
and the statements of the status bulk upsert (insert what is new, lock what exists, write back). Plain
multi-row statements through Django's cursor, without a query per row, on PostgreSQL and SQLite. Only for rows the
caller has already validated; they pass no model signals, so their callers write the audit entries themselves
(`audit.services.audit_record_many`).

On PostgreSQL the rows travel as one array literal per column (`{"a","b",NULL}`, built by `_columns`), unnested by
the statement (`INSERT … SELECT * FROM unnest(%s::integer[], %s::text[], …)`, `UPDATE … FROM unnest(…)`,
`JOIN unnest(…)`): the statement's text is the same for any number of rows, psycopg2 quotes one string per column,
and the server reads each column with one array input. psycopg2's `execute_values` formatted a `VALUES` group per row
in Python and the server parsed an expression per value: a 1,000-item bulk upsert through the API took 0.38 s
instead of 0.16 s (bench/README.md). Every statement goes
through Django's cursor, not the DB-API cursor under it (`cursor.cursor`): so it passes the connection's execute
wrappers (the write hook of `common.cached_reads`, which replaces the cached OZG reads on commit) and is counted
like every other query.

Also the German collation of names on both backends: `german("name")` for `order_by`, `german_key` for Python."""

import json
import re

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F
from django.db.models.functions import Collate


def _converter(field, db=connection):
    """A function turning a Python value into what the DB-API takes for this field (None stays None)."""
    internal = field.get_internal_type()
    if internal == "JSONField":
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False, cls=encoder)
    if internal == "DateTimeField":
        return db.ops.adapt_datetimefield_value
    if internal == "DateField":
        return db.ops.adapt_datefield_value
    return None


_LENGTH = re.compile(r"(?:varchar|char|character varying|character)\(\d+\)")


def _array_type(field, db) -> str | None:
    """The element type of the array that carries this field's values in an `unnest(…)` (PostgreSQL), or None for
    a field whose values are arrays themselves. Strings travel as `text`: an explicit cast to `varchar(n)` would cut a
    longer value silently, the assignment to the column refuses it ("value too long")."""
    db_type = field.cast_db_type(db)
    if not db_type or db_type.endswith("]"):
        return None
    return "text" if _LENGTH.fullmatch(db_type) else db_type


def _unnest(model_fields, db) -> str:
    """`unnest(%s::<type>[], …)` for these fields (one array parameter each)."""
    types = []
    for field in model_fields:
        db_type = _array_type(field, db)
        if db_type is None:
            raise ValueError(f"{field} has no array type: its values cannot be written in bulk")
        types.append(db_type)
    return "unnest(" + ", ".join(f"%s::{db_type}[]" for db_type in types) + ")"


def _element(value) -> str:
    """One element of a PostgreSQL array literal: NULL, or the value's text in double quotes."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raise TypeError("binary values cannot be written in bulk")
    return '"' + _quoted(value if isinstance(value, str) else str(value)) + '"'


def _columns(rows, width: int) -> list[str]:
    """The rows' values as one array literal per column (`{"a","b",NULL}`): the server reads each column with one
    array input, where arrays of adapted values (`ARRAY['…'::timestamptz, …]`) made it parse an expression per
    value. Each literal travels as one quoted string parameter, cast by `_unnest` to the column's array type."""
    if not rows:
        return ["{}"] * width
    return [_array_literal(column) for column in zip(*rows, strict=True)]


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _array_literal(column) -> str:
    """One column as an array literal. Whole numbers and strings (the JSON of the history's old and new values
    escaped in one pass over the column) are joined at once: a bulk of 1,000 writes about 33,000 values, nearly all
    of them such; a call of `_element` per value took 1.3 ms per JSON column of 1,000 rows (now 0.24 ms), and a bulk
    writes three. Any other column element by element."""
    kinds = set(map(type, column))
    if kinds == {int}:
        return "{" + ",".join(map(str, column)) + "}"
    if kinds == {str}:
        if any('"' in text or "\\" in text for text in column):
            column = map(_quoted, column)
        return '{"' + '","'.join(column) + '"}'
    return "{" + ",".join(map(_element, column)) + "}"


def fast_insert(model, fields: list[str], rows, *, page_size: int = 5000, using: str = DEFAULT_DB_ALIAS) -> int:
    """Inserts `rows` (tuples in the order of `fields`, model field names; a foreign key as its id) into the
    model's table of the database `using`."""
    db = connections[using]
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    columns = ", ".join(db.ops.quote_name(field.column) for field in model_fields)
    table = db.ops.quote_name(meta.db_table)
    converting = [(index, convert) for index, field in enumerate(model_fields) if (convert := _converter(field, db))]
    width, adapted = len(model_fields), []
    for row in rows:  # only the columns that need it are converted (a bulk of 1,000 writes 3,000 rows)
        row = list(row)
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values for {width} fields")
        for index, convert in converting:
            if row[index] is not None:
                row[index] = convert(row[index])
        adapted.append(row)
    if not adapted:
        return 0
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM {_unnest(model_fields, db)}"  # noqa: S608
            for start in range(0, len(adapted), page_size):
                cursor.execute(sql, _columns(adapted[start : start + page_size], width))
        else:
            placeholders = ", ".join(["%s"] * len(model_fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", adapted)  # noqa: S608
    return len(adapted)


def fast_update(model, objs, fields: list[str], *, page_size: int = 1000) -> int:
    """Writes `fields` of the given (already loaded and validated) instances back in one statement per page:
    PostgreSQL `UPDATE … FROM unnest(…)`, SQLite one prepared statement per row. Django's bulk_update builds
    a CASE expression per field and row, which costs seconds for 1,000 rows."""
    if not objs:
        return 0
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    converters = [_converter(field) for field in model_fields]
    table = connection.ops.quote_name(meta.db_table)
    pk_column = connection.ops.quote_name(meta.pk.column)
    rows = []
    for obj in objs:
        values = [getattr(obj, field.attname) for field in model_fields]
        rows.append(
            (
                obj.pk,
                *[
                    value if convert is None else convert(value)
                    for convert, value in zip(converters, values, strict=True)
                ],
            )
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ["pk", *[f"c{index}" for index in range(len(model_fields))]]
            assignments = ", ".join(
                f"{connection.ops.quote_name(field.column)} = v.{name}"
                for field, name in zip(model_fields, names[1:], strict=True)
            )
            sql = (
                f"UPDATE {table} SET {assignments} FROM {_unnest([meta.pk, *model_fields], connection)} "  # noqa: S608
                f"AS v ({', '.join(names)}) WHERE {table}.{pk_column} = v.pk"
            )
            for start in range(0, len(rows), page_size):
                cursor.execute(sql, _columns(rows[start : start + page_size], len(names)))
        else:
            assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in model_fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",  # noqa: S608
                [(*row[1:], row[0]) for row in rows],
            )
    return len(rows)


def _wanted(model, first: str, second: str, pairs: list) -> tuple[str, str, str, str, list]:
    """The table, its two columns and `WITH wanted (a, b) AS (…)` holding `pairs`, with its parameters: on PostgreSQL
    two arrays unnested, elsewhere a VALUES list."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(first), meta.get_field(second)]
    a, b = (quote(field.column) for field in fields)
    if connection.vendor == "postgresql":
        wanted = f"WITH wanted (a, b) AS (SELECT * FROM {_unnest(fields, connection)})"  # noqa: S608
        return quote(meta.db_table), a, b, wanted, _columns(pairs, 2)
    values = ", ".join(["(%s, %s)"] * len(pairs))
    return quote(meta.db_table), a, b, f"WITH wanted (a, b) AS (VALUES {values})", [v for pair in pairs for v in pair]


def existing_pairs(model, first: str, second: str, pairs) -> set[tuple]:
    """Which of `pairs` have a row (matching `first`, `second` columns), in one query (the pairs joined to the
    table), without locking anything."""
    pairs = list(pairs)
    if not pairs:
        return set()
    table, a, b, wanted, params = _wanted(model, first, second, pairs)
    sql = f"{wanted} SELECT t.{a}, t.{b} FROM {table} t JOIN wanted ON t.{a} = wanted.a AND t.{b} = wanted.b"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row) for row in cursor.fetchall()}


def grouped_ids(queryset, *, by: str, ids: str) -> dict:
    """{value of `by`: set of the values of `ids`} of the queryset's rows in one query. PostgreSQL groups in the
    database (`array_agg`: one row per group instead of one per pair; the dashboard's online pairs are about a
    million at Germany scale, bench/README.md), SQLite reads the pairs."""
    from django.db import connections

    rows = queryset.order_by()
    if connections[queryset.db].vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        # Read with the cursor: the two columns need no conversion, and Django's row iteration (chunks of 100,
        # a tuple per row) cost a third of the time at Schleswig-Holstein scale (557 groups, 40,000 ids).
        sql, params = rows.values_list(by).annotate(grouped=ArrayAgg(ids)).query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(sql, params)
            return {key: set(values) for key, values in cursor.fetchall()}
    grouped: dict = {}
    for key, value in rows.values_list(by, ids):
        grouped.setdefault(key, set()).add(value)
    return grouped


def _max_params() -> int:
    """How many parameters one statement may carry: PostgreSQL's wire protocol allows 65,535; SQLite its compiled
    limit (32,766 since 3.32; Django assumes the old 999)."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65535


def insert_new(model, fields: list[str], rows, *, unique: tuple[str, ...]) -> dict[tuple, int]:
    """Inserts `rows` (tuples in the order of `fields`, which include the `unique` fields) except those whose
    `unique` values a row already has: `INSERT … ON CONFLICT (unique) DO NOTHING RETURNING`, on PostgreSQL (the
    rows unnested from arrays) and SQLite (VALUES lists) alike. Returns {unique values: primary key} of the rows
    really inserted.

    Rows are inserted in the order of their `unique` values. A row that another, uncommitted transaction has just
    inserted makes PostgreSQL wait for that transaction (then it counts as existing, or is inserted if the other
    one rolled back); the fixed order means two such waits can never close a circle."""
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    converters = [_converter(field) for field in model_fields]
    positions = [fields.index(name) for name in unique]
    ordered = sorted(rows, key=lambda row: tuple(row[position] for position in positions))
    if not ordered:
        return {}
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(field.column) for field in model_fields)
    unique_columns = ", ".join(quote(meta.get_field(name).column) for name in unique)
    returning = f"ON CONFLICT ({unique_columns}) DO NOTHING RETURNING {quote(meta.pk.column)}, {unique_columns}"
    values = [
        [value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True)]
        for row in ordered
    ]
    if connection.vendor == "postgresql":  # one statement, the rows in their order (WITH ORDINALITY)
        names = ", ".join(f"c{index}" for index in range(len(fields)))
        statements = [
            (
                f"INSERT INTO {table} ({columns}) SELECT {names} FROM {_unnest(model_fields, connection)} "  # noqa: S608
                f"WITH ORDINALITY AS v ({names}, n) ORDER BY n {returning}",
                _columns(values, len(fields)),
            )
        ]
    else:
        row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, _max_params() // len(fields))
        statements = [
            (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_placeholder] * len(page))} {returning}",  # noqa: S608
                [value for row in page for value in row],
            )
            for page in (values[start : start + per_statement] for start in range(0, len(values), per_statement))
        ]
    inserted = {}
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            for pk, *key in cursor.fetchall():
                inserted[tuple(key)] = pk
    return inserted


def lock_pairs(model, first: str, second: str, pairs) -> list:
    """The rows whose (`first`, `second`) columns match one of `pairs`, as model instances, in one query (the pairs
    joined to the table), locked for the transaction (`FOR UPDATE` of these rows only, not of the rows they refer
    to) in the order of (`first`, `second`): concurrent writers that lock in this order cannot deadlock. SQLite has
    no row locks; it lets one writer at a time."""
    pairs = list(pairs)
    if not pairs:
        return []
    table, a, b, wanted, params = _wanted(model, first, second, pairs)
    lock = " FOR UPDATE OF t" if connection.features.has_select_for_update_of else ""
    sql = (
        f"{wanted} SELECT t.* FROM {table} t "  # noqa: S608
        f"JOIN wanted ON t.{a} = wanted.a AND t.{b} = wanted.b ORDER BY t.{a}, t.{b}{lock}"
    )
    return list(model.objects.raw(sql, params))


# --- German collation ----------------------------------------------------------------------------------------------
# Names sort as a German reader expects (DIN 5007-1: "Ä" as "A", "ß" as "ss", case ignored at first): "Apotheke",
# "Ärztekammer", "Bad …"; "Oldenburg", "Ölmühle". PostgreSQL sorts with its ICU collation "de-x-icu" (present where
# PostgreSQL is built with ICU, as in the official images); SQLite with the collation GERMAN_SQLITE that
# `register_german_collation` adds to every connection (itvsh_portal/apps.py); Python with `german_key`.

GERMAN_POSTGRESQL = "de-x-icu"
GERMAN_SQLITE = "german"
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "ẞ": "ss"})


def german_key(text) -> tuple:
    """Sort key for names in Python: letters without their umlaut first, case ignored; ties broken by the umlaut
    (plain before umlaut: "Mull", "müll") and then lower case before upper case ("müll", "Müll"), as ICU does.
    None sorts first, like an empty name."""
    text = "" if text is None else str(text)
    folded = text.casefold()
    return (folded.translate(_FOLD), folded, text.swapcase())  # lower case first, as ICU sorts


def _sqlite_compare(first: str, second: str) -> int:
    a, b = german_key(first), german_key(second)
    return (a > b) - (a < b)


def register_german_collation(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: SQLite learns the collation GERMAN_SQLITE."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(GERMAN_SQLITE, _sqlite_compare)


class GermanCollate(Collate):
    """`expression COLLATE <German>` on PostgreSQL and SQLite, for `order_by(german("name"))`."""

    def __init__(self, expression):
        super().__init__(expression, GERMAN_POSTGRESQL)

    def as_sqlite(self, compiler, connection, **extra_context):
        extra_context.setdefault("collation", connection.ops.quote_name(GERMAN_SQLITE))
        return self.as_sql(compiler, connection, **extra_context)


def german(field: str, *, descending: bool = False):
    """An ordering term sorting the text field `field` (a name, "leistung__name") in German order."""
    expression = GermanCollate(F(field))
    return expression.desc() if descending else expression.asc()
