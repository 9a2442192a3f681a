"""The consortium's budget in the back office: the project period, total, funding and
caps, with its years, participating cities, shared costs, fees and the agreed key.

Payments are recorded on the budget page (``budget.views.payment_create``), where the
form checks them against the computed shares; here they are only listed. So are the
cities' yearly reports, which are written, submitted and approved on their own pages.
"""

from django.contrib import admin

from accounts.admin import AuditedAdmin
from budget.models import (
    BudgetYear,
    ConsortiumBudget,
    KeyWeight,
    Participation,
    Payment,
    RecurringFee,
    SharedCost,
    YearlyReport,
)


class BudgetYearInline(admin.TabularInline):
    model = BudgetYear
    extra = 0


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["organisation"]


class SharedCostInline(admin.TabularInline):
    model = SharedCost
    extra = 0


class RecurringFeeInline(admin.TabularInline):
    model = RecurringFee
    extra = 0


class KeyWeightInline(admin.TabularInline):
    model = KeyWeight
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(ConsortiumBudget)
class ConsortiumBudgetAdmin(AuditedAdmin):
    list_display = ["name", "starts_on", "ends_on", "total_cents", "method", "is_public"]
    inlines = [
        BudgetYearInline,
        ParticipationInline,
        SharedCostInline,
        RecurringFeeInline,
        KeyWeightInline,
    ]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year", "amount_cents", "paid_on", "reference"]
    list_filter = ["year", "organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(YearlyReport)
class YearlyReportAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year", "status", "hours_saved", "submitted_at", "approved_at"]
    list_filter = ["year", "status", "organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
