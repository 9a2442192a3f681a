"""The registry's notification kinds (registered from ``NeedsRegistryConfig.ready``):
each points at a need and is shown only to those who may still read it."""

from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from needs_registry import permissions
from needs_registry.models import Need, Status
from notifications.kinds import Kind, register_kind, register_target
from notifications.models import Notification

NEED = "needs.need"

STATUS_CHANGED = "needs.status_changed"
MERGED = "needs.merged"


def _load_needs(reader: User, ids: list[int]) -> dict[int, Need]:
    return {
        need.pk: need
        for need in Need.objects.filter(pk__in=ids).filter(permissions.readable_needs(reader))
    }


def _status_changed(notification: Notification, need: Need) -> str:
    status = notification.params.get("status", need.status)
    label = Status(status).label if status in Status.values else status
    return _("“%(title)s” is now: %(status)s") % {"title": need.title, "status": label}


def _merged(notification: Notification, need: Need) -> str:
    return _("“%(source)s” was merged into “%(target)s”") % {
        "source": notification.params.get("source", ""),
        "target": need.title,
    }


register_target(
    NEED, load=_load_needs, can_read=permissions.can_read_need, depends_on=(Need, Organisation)
)
register_kind(Kind(name=STATUS_CHANGED, target_type=NEED, render=_status_changed))
register_kind(Kind(name=MERGED, target_type=NEED, render=_merged))
