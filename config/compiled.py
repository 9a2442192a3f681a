"""Querysets compiled to SQL once per process and database, run with new values.

Django builds a queryset's SQL afresh on every evaluation. For most queries
that is noise; for a page's central query with half a dozen joined models and
a subquery it is most of the query's cost: the thread page's own query took
about 2 ms of Python to build and compile on every view, where PostgreSQL runs
the prepared statement in a tenth of that. ``Compiled`` builds such a queryset
once (with stand-in values), keeps the compiler with its SQL, and on each run
hands Django's own model iterable that compiler with the run's values bound:
rows become models exactly as the queryset would have made them
(``select_related``, ``only``, annotations).

No library does this (Django has no public API for a prepared queryset), hence
this module; it relies on the compiler reading its SQL from ``as_sql()``, which
every ``execute_sql`` does. Only integer values can be bound, and each must
reach the compiled parameters as it was given (checked when the SQL is built):
``build`` must not derive values from its arguments (``pk + 1``) nor put them
where Django reasons about them while compiling (a filter on a positive
integer field, which a negative stand-in empties).
"""

import copy
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

# Stand-ins no real row id takes (ids are positive), one per bound value.
_STAND_INS = tuple(-(2**31) + 7919 * n for n in range(1, 65))


class Compiled[M: Model]:
    """``build(*values)`` (a queryset of ``M``, with integer ``values`` in its
    filters) compiled once per database; ``run(*values)`` its rows.

    ``build`` must not depend on anything but its arguments (not on the
    language, the viewer, the time): it is called once with stand-ins."""

    def __init__(self, build: Callable[..., QuerySet[M]], arity: int):
        if not 0 < arity <= len(_STAND_INS):
            raise ValueError(f"between 1 and {len(_STAND_INS)} values can be bound")
        self.build = build
        self.arity = arity
        self._made: dict[str, tuple[QuerySet[M], SQLCompiler, str, list[Any]]] = {}
        self._lock = threading.Lock()

    def _compiled(self, alias: str) -> tuple[QuerySet[M], SQLCompiler, str, list[Any]]:
        made = self._made.get(alias)
        if made is None:
            queryset = self.build(*_STAND_INS[: self.arity]).using(alias)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            params = list(params)
            for stand_in in _STAND_INS[: self.arity]:
                if stand_in not in params:
                    raise ValueError(f"a bound value is not a parameter of {sql!r}")
            # Kept per database, not per connection: served over ASGI each request
            # runs in a thread of its own, with a connection of its own. The
            # compiler keeps no connection; each run gives it the thread's.
            compiler.connection = None
            made = (queryset, compiler, sql, params)
            with self._lock:
                self._made.setdefault(alias, made)
        return made

    def run(self, *values: int, using: str = "default") -> list[M]:
        if len(values) != self.arity or not all(type(v) is int for v in values):
            raise TypeError(f"{self.arity} integers expected, not {values!r}")
        queryset, compiler, sql, params = self._compiled(using)
        binding = dict(zip(_STAND_INS, values, strict=False))
        bound = tuple(binding.get(p, p) if type(p) is int else p for p in params)
        this_run = copy.copy(compiler)
        this_run.connection = connections[using]
        this_run.as_sql = lambda *args, **kwargs: (sql, bound)  # type: ignore[method-assign]
        run = queryset.all()
        run.query.get_compiler = lambda *args, **kwargs: this_run  # type: ignore[method-assign]
        return list(run)
