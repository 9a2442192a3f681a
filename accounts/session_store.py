"""Django's database sessions, read with one plain statement.

Every signed-in request, each live update's included, reads its session.
Django's own store builds that query with the ORM each time, which costs
several times what the database takes to answer it; here the same SELECT
(the session's key, not yet expired) is written once. Writing, deleting and
expiry stay Django's.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        # Only the model's own table and column names go into the statement.
        statement = (
            f"SELECT {quote('session_data')} FROM {table} "  # noqa: S608
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(statement, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
