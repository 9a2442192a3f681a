"""What the registry's pages share: breadcrumbs, the member cities and exports."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation
from accounts.ratelimit import exceeded, limited_response
from accounts.services import audit_record
from needs_registry import exports, permissions

EXPORT_FORMATS = ("csv", "xlsx")


def crumbs(*items):
    return [(_("Needs"), reverse("needs:need_list")), *items]


def member_cities():
    return Organisation.objects.filter(is_active=True, kind=Organisation.Kind.CITY).order_by(
        "name_fi"
    )


def export_response(
    request: HttpRequest,
    *,
    name: str,
    fmt: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    summary: str,
) -> HttpResponse:
    """Every export of the registry: the export permission, the rate limit, the audit
    entry, then the file."""
    if not permissions.can_export(request.user):
        raise PermissionDenied
    if exceeded(request, "export"):
        return limited_response(request, "export")
    audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, summary=summary)
    return exports.table_response(name=name, fmt=fmt, header=header, rows=rows)
