from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

import money
from budget import selectors, services
from budget.forms import NeedCostForm, PaymentForm, ProcurementPlanForm
from budget.models import DEFAULT_PAYER, ConsortiumBudget, CostKind
from budget.permissions import can_manage_budget, can_manage_need_costs, can_view_budget
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
