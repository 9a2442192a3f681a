"""Writes for the needs registry. Each service checks permission first, runs in
a transaction, validates, writes the audit entry and schedules notifications.

Callers use ``from needs_registry import services`` and ``services.need_create(...)``;
the services live in the modules below.
"""

from needs_registry.services.cities import (
    city_position_set,
    city_vote_cast,
    city_vote_withdraw,
    commitment_record,
    follow_set,
    production_record,
    support_set,
)
from needs_registry.services.needs import (
    NEED_FIELDS,
    dependencies_set,
    need_attachment_add,
    need_create,
    need_merge,
    need_transition,
    need_update,
)
from needs_registry.services.steering import (
    round_allocate,
    round_close,
    round_open,
    round_points_total,
)

__all__ = [
    "NEED_FIELDS",
    "city_position_set",
    "city_vote_cast",
    "city_vote_withdraw",
    "commitment_record",
    "dependencies_set",
    "follow_set",
    "need_attachment_add",
    "need_create",
    "need_merge",
    "need_transition",
    "need_update",
    "production_record",
    "round_allocate",
    "round_close",
    "round_open",
    "round_points_total",
    "support_set",
]
