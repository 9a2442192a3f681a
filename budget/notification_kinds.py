"""The budget's notification kinds (registered from ``BudgetConfig.ready``): a city's
yearly report submitted to the coordinator, and approved or returned to the city."""

from django.utils.translation import gettext as _

from accounts.models import User
from budget.models import YearlyReport
from budget.permissions import can_view_budget
from notifications.kinds import Kind, register_kind, register_target
from notifications.models import Notification

REPORT = "budget.report"

REPORT_SUBMITTED = "budget.report_submitted"
REPORT_APPROVED = "budget.report_approved"
REPORT_RETURNED = "budget.report_returned"


def can_read_report(reader: User, report: YearlyReport) -> bool:
    return can_view_budget(reader)


def _load_reports(reader: User, ids: list[int]) -> dict[int, YearlyReport]:
    if not can_view_budget(reader):
        return {}
    return {r.pk: r for r in YearlyReport.objects.filter(pk__in=ids).select_related("organisation")}


def _names(report: YearlyReport) -> dict[str, object]:
    return {"city": report.organisation.name, "year": report.year}


def _submitted(notification: Notification, report: YearlyReport) -> str:
    return _("%(city)s submitted its yearly report for %(year)s") % _names(report)


def _approved(notification: Notification, report: YearlyReport) -> str:
    return _("The yearly report of %(city)s for %(year)s was approved") % _names(report)


def _returned(notification: Notification, report: YearlyReport) -> str:
    return _("The yearly report of %(city)s for %(year)s was returned for changes") % _names(report)


register_target(REPORT, load=_load_reports, can_read=can_read_report)
register_kind(Kind(name=REPORT_SUBMITTED, target_type=REPORT, render=_submitted))
register_kind(Kind(name=REPORT_APPROVED, target_type=REPORT, render=_approved))
register_kind(Kind(name=REPORT_RETURNED, target_type=REPORT, render=_returned))
