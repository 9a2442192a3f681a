"""Needs registry pages. Each view parses its form, calls one service, renders or redirects.

The URLs name views as ``views.need_detail``; the views live in the modules below.
"""

from needs_registry.views.board import (
    backlog_board,
    yearly_report,
)
from needs_registry.views.cities import (
    city_position,
    city_vote,
    commitment,
    follow,
    production,
    support,
)
from needs_registry.views.needs import (
    attachment_add,
    attachment_download,
    dependencies,
    need_create,
    need_detail,
    need_edit,
    need_list,
    need_merge,
    need_transition,
    similar_needs,
)
from needs_registry.views.steering import (
    round_close,
    round_detail,
    round_list,
)

__all__ = [
    "attachment_add",
    "attachment_download",
    "backlog_board",
    "city_position",
    "city_vote",
    "commitment",
    "dependencies",
    "follow",
    "need_create",
    "need_detail",
    "need_edit",
    "need_list",
    "need_merge",
    "need_transition",
    "production",
    "round_close",
    "round_detail",
    "round_list",
    "similar_needs",
    "support",
    "yearly_report",
]
