"""Query counts that depend on the set-up the tests run on.

With Redis, sessions are cached (``SESSION_ENGINE`` cached_db) and a signed-in
page reads its session without a query; on the embedded default it costs one.
Pinned counts of signed-in pages add ``SESSION`` to what the page itself asks.
"""

from django.conf import settings

SESSION = 0 if settings.SESSION_ENGINE.endswith(".cached_db") else 1
