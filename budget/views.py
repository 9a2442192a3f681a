from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

import money
from accounts.models import Organisation
from budget import report_downloads, selectors, services
from budget.forms import (
    BudgetForm,
    BudgetYearForm,
    NeedCostForm,
    ParticipationForm,
    PaymentForm,
    ProcurementPlanForm,
    RecurringFeeForm,
    ReportReturnForm,
    SharedCostForm,
    YearlyReportForm,
)
from budget.models import DEFAULT_PAYER, ConsortiumBudget, CostKind, ReportStatus, YearlyReport
from budget.permissions import (
    can_approve_report,
    can_manage_budget,
    can_manage_need_costs,
    can_prepare_report,
    can_view_budget,
    can_view_report_summary,
)
from needs_registry.models import Need
from needs_registry.selectors import need_get_for_viewer


def _budget_for(request: HttpRequest) -> ConsortiumBudget:
    if not can_view_budget(request.user):
        raise PermissionDenied
    budget = selectors.budget_current()
    if budget is None:
        raise Http404
    return budget


def _payment_form(budget: ConsortiumBudget, data=None) -> PaymentForm:
    return PaymentForm(
        data,
        organisations=selectors.participant_organisations(budget),
        years=budget.years,
    )


def _overview(request: HttpRequest, budget: ConsortiumBudget, form, status: int = 200):
    overview = selectors.budget_overview(budget)
    return render(
        request,
        "budget/overview.html",
        {
            "overview": overview,
            "years": budget.years,
            "payments": selectors.payment_list(budget)[:50],
            "form": form,
        },
        status=status,
    )


@login_required
@require_safe
def budget_overview(request: HttpRequest) -> HttpResponse:
    if can_view_budget(request.user) and selectors.budget_current() is None:
        # The menu links here before the consortium has recorded its budget.
        return render(request, "budget/none.html")
    budget = _budget_for(request)
    form = _payment_form(budget) if can_manage_budget(request.user) else None
    return _overview(request, budget, form)


@login_required
@require_safe
def budget_what_if(request: HttpRequest) -> HttpResponse:
    budget = _budget_for(request)
    return render(
        request,
        "budget/what_if.html",
        {
            "budget": budget,
            "rows": selectors.budget_what_if(budget),
            "current": budget.participations.count(),
        },
    )


@login_required
@require_POST
def payment_create(request: HttpRequest) -> HttpResponse:
    budget = _budget_for(request)
    if not can_manage_budget(request.user):
        raise PermissionDenied
    form = _payment_form(budget, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_record(
                actor=request.user,
                budget=budget,
                organisation=data["organisation"],
                year=data["year"],
                amount_cents=money.cents(data["amount"]),
                paid_on=data["paid_on"],
                reference=data["reference"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The payment was recorded."))
            return redirect("budget:overview")
    return _overview(request, budget, form, status=400)


# ------------------------------------------------------------- the budget's set-up

SETTINGS_PARTS = ("budget", "year", "participation", "cost", "fee")


def _settings_forms(
    budget: ConsortiumBudget | None,
    bound: tuple[str, Any] | None = None,
    city: str = "",
):
    """The set-up page's forms, the one named in ``bound`` filled with what was sent;
    the participation form holds ``city``'s dates and caps when one is chosen, so
    that changing one of them keeps the others."""
    part, data = bound or ("", None)
    forms: dict[str, Any] = {
        "budget": BudgetForm(
            data if part == "budget" else None,
            initial=BudgetForm.initial_for(budget) if budget else {"is_public": True},
            prefix="budget",
        )
    }
    if budget is not None:
        chosen = selectors.participation_get(budget, city) if city else None
        forms["participation"] = ParticipationForm(
            data if part == "participation" else None,
            initial=ParticipationForm.initial_for(chosen) if chosen else None,
            organisations=selectors.city_organisations(),
            prefix="participation",
        )
        forms["year"] = BudgetYearForm(
            data if part == "year" else None, years=budget.years, prefix="year"
        )
        forms["cost"] = SharedCostForm(data if part == "cost" else None, prefix="cost")
        forms["fee"] = RecurringFeeForm(data if part == "fee" else None, prefix="fee")
    return forms


def _save_settings(request: HttpRequest, budget: ConsortiumBudget | None, part: str, form) -> str:
    """Write one part of the set-up; returns what to tell the coordinator."""
    actor = request.user
    if part == "budget":
        if budget is None:
            services.budget_create(actor=actor, **form.service_data())
            return _("The budget was recorded.")
        budget = services.budget_update(actor=actor, budget=budget, **form.service_data())
        over = selectors.paid_over_yearly_cap(budget)
        if over:
            # Saved all the same: the payments were right when they were made.
            language = get_language() or "fi"
            messages.warning(
                request,
                _(
                    "These cities have already paid more than the new yearly cap: "
                    "%(payments)s. Their payments stay as they are."
                )
                % {
                    "payments": ", ".join(
                        f"{city.name} {year} ({money.format_euros(paid, language)})"
                        for city, year, paid in over
                    )
                },
            )
        return _("The budget was saved.")
    if budget is None:  # the other parts are offered once the budget exists
        raise Http404
    data = form.cleaned_data
    if part == "participation":
        services.participation_add(actor=actor, budget=budget, **form.service_data())
        return _("The city's participation was saved.")
    if part == "year":
        if data["amount"] is None:
            services.budget_year_clear(actor=actor, budget=budget, year=data["year"])
        else:
            services.budget_year_set(
                actor=actor, budget=budget, year=data["year"], cents=money.cents(data["amount"])
            )
        return _("The budget year was saved.")
    if part == "cost":
        services.shared_cost_add(
            actor=actor,
            budget=budget,
            name=data["name"],
            amount_cents=money.cents(data["amount"]),
            incurred_on=data["incurred_on"],
        )
        return _("The one-off cost was added.")
    services.recurring_fee_add(
        actor=actor, budget=budget, name=data["name"], amount_cents=money.cents(data["amount"])
    )
    return _("The fee was added.")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def budget_settings(request: HttpRequest) -> HttpResponse:
    """The project coordinator sets the budget up as the municipalities decided it:
    period, total and funding, the participating cities with their dates and caps,
    the shared one-off costs and the yearly fees outside the budget."""
    if not can_manage_budget(request.user):
        raise PermissionDenied
    budget = selectors.budget_current()
    status = 200
    if request.method != "POST":
        forms = _settings_forms(budget, city=request.GET.get("city", "")[:100])
    else:
        part = request.POST.get("part", "")
        if part not in SETTINGS_PARTS or (budget is None and part != "budget"):
            part = "budget"
        forms = _settings_forms(budget, (part, request.POST))
        form = forms[part]
        if form.is_valid():
            try:
                message = _save_settings(request, budget, part, form)
            except ValidationError as error:
                _save_errors(form, error)
            else:
                messages.success(request, message)
                return redirect("budget:settings")
        status = 400
    return render(
        request,
        "budget/settings.html",
        {
            "budget": budget,
            "forms": forms,
            "participations": selectors.participation_list(budget) if budget else [],
            "overview": selectors.budget_overview(budget) if budget else None,
        },
        status=status,
    )


# ------------------------------------------------------------- costs per need


def _need_for_costs(request: HttpRequest, pk: int) -> Need:
    need = need_get_for_viewer(viewer=request.user, pk=pk)
    if not can_manage_need_costs(request.user, need):
        raise PermissionDenied
    return need


def _save_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _need_form_page(request, need: Need, form, title: str, submit: str, status: int = 200):
    return render(
        request,
        "budget/need_form.html",
        {"need": need, "form": form, "title": title, "submit": submit},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def need_cost_create(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_for_costs(request, pk)
    title, submit = _("Add a cost to %(need)s") % {"need": need.title}, _("Add the cost")
    if request.method != "POST":
        form = NeedCostForm(initial={"payer": DEFAULT_PAYER[CostKind.DEVELOPMENT]})
        return _need_form_page(request, need, form, title, submit)
    form = NeedCostForm(request.POST)
    if form.is_valid():
        try:
            services.need_cost_save(actor=request.user, need=need, data=form.service_data())
        except ValidationError as error:
            _save_errors(form, error)
        else:
            messages.success(request, _("The cost was saved."))
            return redirect(f"{need.get_absolute_url()}#costs-heading")
    return _need_form_page(request, need, form, title, submit, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def need_cost_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cost = selectors.need_cost_get(pk=pk)
    need = _need_for_costs(request, cost.need_id)
    title, submit = _("Change a cost of %(need)s") % {"need": need.title}, _("Save the cost")
    if request.method != "POST":
        return _need_form_page(request, need, NeedCostForm.for_cost(cost), title, submit)
    form = NeedCostForm(request.POST)
    if form.is_valid():
        try:
            services.need_cost_save(
                actor=request.user, need=need, cost=cost, data=form.service_data()
            )
        except ValidationError as error:
            _save_errors(form, error)
        else:
            messages.success(request, _("The cost was saved."))
            return redirect(f"{need.get_absolute_url()}#costs-heading")
    return _need_form_page(request, need, form, title, submit, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def procurement_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_for_costs(request, pk)
    title = _("Procurement plan of %(need)s") % {"need": need.title}
    submit = _("Save the procurement plan")
    if request.method != "POST":
        plan = selectors.need_costs(need=need).plan
        return _need_form_page(request, need, ProcurementPlanForm.for_plan(plan), title, submit)
    form = ProcurementPlanForm(request.POST)
    if form.is_valid():
        try:
            services.procurement_plan_save(actor=request.user, need=need, data=form.service_data())
        except ValidationError as error:
            _save_errors(form, error)
        else:
            messages.success(request, _("The procurement plan was saved."))
            return redirect(f"{need.get_absolute_url()}#procurement-heading")
    return _need_form_page(request, need, form, title, submit, status=400)


# ------------------------------------------------------------- yearly reports


def _report_year(budget: ConsortiumBudget, year: int) -> int:
    if year not in budget.years:
        raise Http404
    return year


def _report_page(
    request: HttpRequest,
    budget: ConsortiumBudget,
    organisation: Organisation,
    year: int,
    *,
    form: YearlyReportForm | None = None,
    return_form: ReportReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = selectors.report_get(budget, organisation, year)
    editable = can_prepare_report(request.user, organisation) and (
        report is None or report.is_editable
    )
    approvable = (
        can_approve_report(request.user)
        and report is not None
        and report.status == ReportStatus.SUBMITTED
    )
    return render(
        request,
        "budget/report_detail.html",
        {
            "budget": budget,
            "organisation": organisation,
            "year": year,
            "report": report,
            "figures": selectors.report_figures_for(report, budget, organisation, year),
            "form": (form or YearlyReportForm.for_report(report)) if editable else None,
            "return_form": (return_form or ReportReturnForm()) if approvable else None,
            "show_summary": can_view_report_summary(request.user),
        },
        status=status,
    )


@login_required
@require_safe
def report_year(request: HttpRequest, year: int) -> HttpResponse:
    """An ICT lead's own city's report; everyone else the table of every city's."""
    budget = _budget_for(request)
    year = _report_year(budget, year)
    user = request.user
    own = user.organisation if user.organisation_id else None
    if (
        own is not None
        and not can_view_report_summary(user)
        and can_prepare_report(user, own)
        and selectors.participant_organisations(budget).filter(pk=own.pk).exists()
    ):
        return redirect("budget:report_detail", year, own.slug)
    return render(
        request,
        "budget/report_summary.html",
        {
            "budget": budget,
            "year": year,
            "years": budget.years,
            "rows": selectors.report_summary(budget, year),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_detail(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    budget = _budget_for(request)
    year = _report_year(budget, year)
    organisation = selectors.report_city_get(budget, slug)
    if request.method != "POST":
        return _report_page(request, budget, organisation, year)
    if not can_prepare_report(request.user, organisation):
        raise PermissionDenied
    form = YearlyReportForm(request.POST)
    if form.is_valid():
        try:
            report = services.report_save(
                actor=request.user,
                budget=budget,
                organisation=organisation,
                year=year,
                data=form.service_data(),
            )
            if request.POST.get("action") == "submit":
                report = services.report_submit(actor=request.user, report=report)
        except ValidationError as error:
            _save_errors(form, error)
        else:
            if report.status == ReportStatus.SUBMITTED:
                messages.success(request, _("The report was submitted to the project coordinator."))
            else:
                messages.success(request, _("The report was saved."))
            return redirect("budget:report_detail", year, organisation.slug)
    return _report_page(request, budget, organisation, year, form=form, status=400)


def _report_for_coordinator(
    request: HttpRequest, year: int, slug: str
) -> tuple[ConsortiumBudget, Organisation, YearlyReport]:
    budget = _budget_for(request)
    year = _report_year(budget, year)
    organisation = selectors.report_city_get(budget, slug)
    if not can_approve_report(request.user):
        raise PermissionDenied
    report = selectors.report_get(budget, organisation, year)
    if report is None:
        raise Http404
    return budget, organisation, report


@login_required
@require_POST
def report_approve(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    budget, organisation, report = _report_for_coordinator(request, year, slug)
    try:
        services.report_approve(actor=request.user, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _report_page(request, budget, organisation, year, status=400)
    messages.success(request, _("The report was approved; its figures are now fixed."))
    return redirect("budget:report_detail", year, organisation.slug)


@login_required
@require_POST
def report_return(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    budget, organisation, report = _report_for_coordinator(request, year, slug)
    form = ReportReturnForm(request.POST)
    if form.is_valid():
        try:
            services.report_return(
                actor=request.user, report=report, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _save_errors(form, error)
        else:
            messages.success(request, _("The report was returned to the city."))
            return redirect("budget:report_detail", year, organisation.slug)
    return _report_page(request, budget, organisation, year, return_form=form, status=400)


def _download_context(request: HttpRequest, year: int, slug: str) -> dict[str, Any]:
    budget = _budget_for(request)
    year = _report_year(budget, year)
    organisation = selectors.report_city_get(budget, slug)
    report = selectors.report_get(budget, organisation, year)
    return {
        "budget": budget,
        "organisation": organisation,
        "year": year,
        "report": report,
        "figures": selectors.report_figures_for(report, budget, organisation, year),
    }


@login_required
@require_safe
def report_xlsx(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    return report_downloads.report_xlsx(context=_download_context(request, year, slug))


@login_required
@require_safe
def report_pdf(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    return report_downloads.report_pdf(context=_download_context(request, year, slug))
