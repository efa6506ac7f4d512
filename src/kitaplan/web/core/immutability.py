"""Records that never change once released or published, guarded twice.

1. In Python: models of frozen records use :class:`FrozenQuerySet` (``update()``/``delete()``)
   and :class:`FrozenModel` (``save()``/``delete()``); both raise a subclass of
   :class:`FrozenRecordError` before anything is written.
2. In the database: a row trigger per table (PostgreSQL: plpgsql ``BEFORE INSERT OR UPDATE OR
   DELETE``; SQLite: ``BEFORE UPDATE``/``DELETE``/``INSERT`` with ``RAISE(ABORT, …)``) refuses
   the same writes from any path, raw SQL included. The triggers are installed by one migration
   per app with :func:`install_operation` and the :class:`FrozenTable` specs written into it.

What may still change on a frozen row is named per table (e.g. the parents' answer to an
offer); the database compares values (a write that changes nothing passes), the Python guard
the fields written (any write of another field is refused). The user columns of a frozen row
(``created_by``, ``released_by`` …, ``ON DELETE SET NULL``) stay too: a user who released or
published something has audit events, which protect the account from deletion anyway.

The one way past the triggers is erasing the whole database: ``flush`` (tests that commit)
uses ``TRUNCATE`` on PostgreSQL, which fires no row triggers, and on SQLite runs inside
:func:`flushing`, which the triggers recognise. See ``docs/architecture.md``, "Immutable
records".

Note for later migrations on SQLite: altering a frozen table (or the run table a child trigger
reads) rebuilds the table there, which drops its triggers or fails on the child's trigger. Such
a migration drops the app's triggers first (:func:`uninstall_operation`) and installs them again
afterwards (:func:`install_operation`); ``tests/web/core/test_immutability.py`` checks that every
trigger is in place.
"""

# The SQL here is built from table and column names that migrations declare, never from input.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import migrations, models, transaction
from django.db.models import Q

#: SQLite only: while this table holds a row (only inside :func:`flushing`) the triggers pass.
SQLITE_FLUSH_TABLE = "kitaplan_flush_in_progress"


class FrozenRecordError(Exception):
    """A released or published record (or a row of its result) was to be changed or deleted."""


# --------------------------------------------------------------------------- Python guard


@dataclass(frozen=True)
class FrozenRule:
    """When a model's row is frozen and what may still change on it.

    ``frozen``: the lookup selecting frozen rows; ``parent``: for rows of a run's result, the
    foreign key to the run and ``parent_frozen`` the run's own lookup (a row cannot be moved
    into, or added to, a frozen run); ``mutable``: fields that may still be written.
    """

    frozen: Q
    error: type[FrozenRecordError]
    label: str
    mutable: frozenset[str] = frozenset()
    parent: str = ""
    parent_frozen: Q | None = None


class FrozenQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """``update()`` and ``delete()`` refuse to touch a frozen row."""

    def _rule(self) -> FrozenRule:
        return self.model.frozen_rule  # type: ignore[no-any-return]

    def _refuse_if_frozen(self, what: str) -> None:
        rule = self._rule()
        pks = list(self.filter(rule.frozen).values_list("pk", flat=True)[:5])
        if pks:
            raise rule.error(f"{rule.label} {', '.join(map(str, pks))}: {what} refused (frozen)")

    def _refuse_frozen_parents(self, pks: Iterable[Any]) -> None:
        rule = self._rule()
        if not rule.parent or rule.parent_frozen is None:
            return
        parent_model = self.model._meta.get_field(rule.parent).related_model
        frozen = parent_model._base_manager.filter(
            rule.parent_frozen, pk__in=[getattr(pk, "pk", pk) for pk in pks]
        )
        if frozen.exists():
            raise rule.error(
                f"{rule.label}: run {frozen.values_list('pk', flat=True)[0]} is frozen"
            )

    def update(self, **kwargs: Any) -> int:
        rule = self._rule()
        names = {self.model._meta.get_field(name).name for name in kwargs}
        if names - rule.mutable:
            self._refuse_if_frozen("update")
        if rule.parent and rule.parent in names:
            self._refuse_frozen_parents([kwargs.get(rule.parent, kwargs.get(f"{rule.parent}_id"))])
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen("delete")
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        rule = self._rule()
        if rule.parent:
            self._refuse_frozen_parents({getattr(o, f"{rule.parent}_id") for o in objs})
        return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True  # type: ignore[attr-defined]


FrozenManager = models.Manager.from_queryset(FrozenQuerySet)


class FrozenModel(models.Model):
    """``save()`` and ``delete()`` refuse a frozen row (stored state, not the instance's)."""

    frozen_rule: ClassVar[FrozenRule]

    objects = FrozenManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        rule = self.frozen_rule
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            written = {f.name for f in self._meta.concrete_fields if not f.primary_key}
        else:
            written = {self._meta.get_field(name).name for name in update_fields}
        if written - rule.mutable and (self._stored_frozen() or self._parent_frozen()):
            raise rule.error(f"{rule.label} {self.pk}: change refused (frozen)")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_frozen():
            rule = self.frozen_rule
            raise rule.error(f"{rule.label} {self.pk}: delete refused (frozen)")
        return super().delete(*args, **kwargs)

    def _stored_frozen(self) -> bool:
        if self.pk is None:
            return False
        rule = self.frozen_rule
        return type(self)._base_manager.filter(rule.frozen, pk=self.pk).exists()

    def _parent_frozen(self) -> bool:
        rule = self.frozen_rule
        if not rule.parent or rule.parent_frozen is None:
            return False
        parent_pk = getattr(self, f"{rule.parent}_id")
        parent_model = self._meta.get_field(rule.parent).related_model
        return parent_model._base_manager.filter(  # type: ignore[union-attr]
            rule.parent_frozen, pk=parent_pk
        ).exists()


# --------------------------------------------------------------------------- database triggers


@dataclass(frozen=True)
class FrozenTable:
    """One table's trigger, as a migration writes it down.

    ``frozen``: an SQL condition on a row named ``{row}`` (``OLD`` or ``NEW``), valid on
    PostgreSQL and SQLite; ``mutable``: columns a frozen row may still change; ``guard_new``: also refuse inserting a frozen row and moving a row into frozen state (for
    the rows of a run's result, whose ``frozen`` reads the run).
    """

    table: str
    label: str
    frozen: str
    mutable: tuple[str, ...] = ()
    guard_new: bool = False

    @property
    def trigger(self) -> str:
        return f"kitaplan_frozen_{self.table}"

    def condition(self, row: str) -> str:
        return f"({self.frozen.format(row=row)})"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _postgresql_install(spec: FrozenTable) -> list[str]:
    keys = "ARRAY[" + ", ".join(_literal(c) for c in spec.mutable) + "]::text[]"
    new_check = (
        f"IF TG_OP <> 'DELETE' THEN new_frozen := coalesce({spec.condition('NEW')}, false); END IF;"
        if spec.guard_new
        else ""
    )
    label = _literal(spec.label)
    function = f"""
CREATE OR REPLACE FUNCTION {spec.trigger}() RETURNS trigger LANGUAGE plpgsql AS $kitaplan$
DECLARE
    old_frozen boolean := false;
    new_frozen boolean := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_frozen := coalesce({spec.condition("OLD")}, false); END IF;
    {new_check}
    IF TG_OP = 'DELETE' THEN
        IF old_frozen THEN
            RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                MESSAGE = format('%s %s is frozen: DELETE on %s refused', {label}, OLD.id,
                                 TG_TABLE_NAME);
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF new_frozen THEN
            RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                MESSAGE = format('%s is frozen: INSERT into %s refused', {label}, TG_TABLE_NAME);
        END IF;
        RETURN NEW;
    END IF;
    IF (old_frozen OR new_frozen) AND (
        (to_jsonb(NEW) - {keys}) IS DISTINCT FROM (to_jsonb(OLD) - {keys})
    ) THEN
        RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
            MESSAGE = format('%s %s is frozen: UPDATE on %s refused', {label}, OLD.id,
                             TG_TABLE_NAME);
    END IF;
    RETURN NEW;
END
$kitaplan$"""
    return [
        function,
        f"DROP TRIGGER IF EXISTS {spec.trigger} ON {_quote(spec.table)}",
        f"CREATE TRIGGER {spec.trigger} BEFORE INSERT OR UPDATE OR DELETE ON "
        f"{_quote(spec.table)} FOR EACH ROW EXECUTE FUNCTION {spec.trigger}()",
    ]


def _postgresql_uninstall(spec: FrozenTable) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {spec.trigger} ON {_quote(spec.table)}",
        f"DROP FUNCTION IF EXISTS {spec.trigger}()",
    ]


def _sqlite_install(spec: FrozenTable, columns: Sequence[str]) -> list[str]:
    changes = [f"OLD.{_quote(c)} IS NOT NEW.{_quote(c)}" for c in columns if c not in spec.mutable]
    passing = f"NOT EXISTS (SELECT 1 FROM {SQLITE_FLUSH_TABLE})"
    frozen_update = spec.condition("OLD")
    if spec.guard_new:
        frozen_update = f"({frozen_update} OR {spec.condition('NEW')})"

    def trigger(op: str, when: str) -> str:
        message = _literal(f"{spec.label} is frozen: {op} on {spec.table} refused")
        return (
            f"CREATE TRIGGER {spec.trigger}_{op.lower()} BEFORE {op} ON {_quote(spec.table)} "
            f"FOR EACH ROW WHEN {when} AND {passing} "
            f"BEGIN SELECT RAISE(ABORT, {message}); END"
        )

    statements = [
        f"CREATE TABLE IF NOT EXISTS {SQLITE_FLUSH_TABLE} (id integer PRIMARY KEY)",
        *_sqlite_uninstall(spec),
        trigger("UPDATE", f"{frozen_update} AND ({' OR '.join(changes) or '0'})"),
        trigger("DELETE", spec.condition("OLD")),
    ]
    if spec.guard_new:
        statements.append(trigger("INSERT", spec.condition("NEW")))
    return statements


def _sqlite_uninstall(spec: FrozenTable) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {spec.trigger}_{op}" for op in ("update", "delete", "insert")]


def _execute(schema_editor: Any, statements: Iterable[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install(schema_editor: Any, tables: Iterable[FrozenTable]) -> None:
    """Create (or replace) the triggers of ``tables`` on the editor's database."""
    connection = schema_editor.connection
    for spec in tables:
        if connection.vendor == "postgresql":
            _execute(schema_editor, _postgresql_install(spec))
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                described = connection.introspection.get_table_description(cursor, spec.table)
            _execute(schema_editor, _sqlite_install(spec, [c.name for c in described]))
        else:  # pragma: no cover - kitaplan runs on PostgreSQL and SQLite only
            raise NotImplementedError(f"no frozen-record triggers for {connection.vendor}")


def uninstall(schema_editor: Any, tables: Iterable[FrozenTable]) -> None:
    connection = schema_editor.connection
    for spec in tables:
        if connection.vendor == "postgresql":
            _execute(schema_editor, _postgresql_uninstall(spec))
        elif connection.vendor == "sqlite":
            _execute(schema_editor, _sqlite_uninstall(spec))


def install_operation(tables: Sequence[FrozenTable]) -> migrations.RunPython:
    """A migration operation installing the triggers (reversed: dropping them)."""
    return migrations.RunPython(
        lambda apps, schema_editor: install(schema_editor, tables),
        lambda apps, schema_editor: uninstall(schema_editor, tables),
    )


def uninstall_operation(tables: Sequence[FrozenTable]) -> migrations.RunPython:
    """A migration operation dropping the triggers (reversed: installing them)."""
    return migrations.RunPython(
        lambda apps, schema_editor: uninstall(schema_editor, tables),
        lambda apps, schema_editor: install(schema_editor, tables),
    )


def installed_triggers(connection: Any) -> set[str]:
    """Names of the frozen-record triggers present in the database (for checks and tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                ["kitaplan_frozen_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["kitaplan_frozen_%"],
            )
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def flushing(connection: Any) -> Iterator[None]:
    """Erasing the whole database (``flush``): on SQLite, where ``flush`` deletes row by row,
    the triggers let the rows go while this runs (one transaction); PostgreSQL truncates."""
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {SQLITE_FLUSH_TABLE} (id integer PRIMARY KEY)"
            )
            cursor.execute(f"INSERT INTO {SQLITE_FLUSH_TABLE} (id) VALUES (1)")
        yield  # an exception rolls the row back with everything else
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SQLITE_FLUSH_TABLE}")
