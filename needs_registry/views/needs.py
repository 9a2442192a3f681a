"""A need's own pages: the list, writing and editing, its detail page, status changes,
merging, dependencies and attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimit import rate_limit
from budget import selectors as budget_selectors
from budget.permissions import can_manage_need_costs
from downloads.responses import file_download
from forum.models import Domain
from forum.selectors import first_post_body, thread_get_for_viewer
from frontend.forms import add_service_errors
from frontend.params import (
    InvalidParameter,
    choice_param,
    id_list_param,
    page_param,
    parse_int,
)
from needs_registry import permissions, selectors, services
from needs_registry.forms import (
    MergeForm,
    NeedForm,
    TransitionForm,
    VoteForm,
)
from needs_registry.models import Status
from needs_registry.views.base import crumbs


def need_list(request: HttpRequest) -> HttpResponse:
    status = choice_param(request, "status", Status.values)
    domain = choice_param(request, "domain", Domain.values)
    needs = selectors.need_list(viewer=request.user, status=status, domain=domain)
    page = Paginator(needs, 30).get_page(page_param(request))
    return render(
        request,
        "needs_registry/need_list.html",
        {
            "page": page,
            "statuses": Status.choices,
            "domains": Domain.choices,
            "status": status,
            "domain": domain,
            "can_create": permissions.can_create_need(request.user),
            "breadcrumbs": [(_("Needs"), None)],
        },
    )


@login_required
@rate_limit("need", form=NeedForm)
def need_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_need(request.user):
        raise PermissionDenied
    origin = None
    initial = {}
    from_thread = request.GET.get("from_thread") or request.POST.get("from_thread")
    if from_thread:
        if not permissions.can_promote_thread(request.user):
            raise PermissionDenied
        thread_id = parse_int(from_thread, minimum=1)
        if thread_id is None:
            raise Http404
        origin = thread_get_for_viewer(viewer=request.user, pk=thread_id)
        initial = {"title": origin.title, "problem": first_post_body(thread=origin)}
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(
                actor=request.user,
                data=form.cleaned_data,
                tags=form.cleaned_data["tags"],
                origin_thread=origin,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The need was saved as a draft of your city."))
            return redirect(need)
    return render(
        request,
        "needs_registry/need_form.html",
        {
            "form": form,
            "origin": origin,
            "breadcrumbs": crumbs((_("New need"), None)),
        },
        status=400 if form.errors else 200,
    )


@rate_limit("suggest", methods=("GET",))
def similar_needs(request: HttpRequest) -> JsonResponse:
    from search.service import similar_needs as similar

    text = f"{request.GET.get('title', '')} {request.GET.get('problem', '')}"[:2000]
    results = similar(
        viewer=request.user,
        text=text,
        exclude_id=parse_int(request.GET.get("exclude"), minimum=1),
    )
    return JsonResponse({"results": [{"title": d.title, "url": d.url} for d in results]})


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    user = request.user
    matrix = selectors.city_matrix(need=need)
    costs = budget_selectors.need_costs(need=need)
    positions = [row.position for row in matrix if row.position]
    own_vote = None
    if user.is_authenticated and user.organisation_id:
        own_vote = next((r.vote for r in matrix if r.organisation.pk == user.organisation_id), None)
    from needs_registry.models import Follow, Support

    return render(
        request,
        "needs_registry/need_detail.html",
        {
            "need": need,
            "matrix": matrix,
            "shares": selectors.cost_shares(need=need, positions=positions),
            "route": costs.route,
            "costs": costs,
            "can_manage_costs": can_manage_need_costs(user, need),
            "history": selectors.vote_history(need=need),
            "city_history": selectors.city_history(need=need),
            "timeline": selectors.timeline(need=need),
            "decisions": selectors.decisions_for(need=need, viewer=user),
            "points": services.round_points_total(need),
            "links": selectors.need_links(viewer=user, need=need),
            # Submitting a draft is its own plain button; the list holds the rest.
            "can_submit": permissions.can_transition(user, need, Status.SUBMITTED),
            "transitions": [
                (s, Status(s).label)
                for s in permissions.allowed_transitions(user, need)
                if s != Status.SUBMITTED
            ],
            "can_edit": permissions.can_edit_need(user, need),
            "can_vote": permissions.can_vote(user, need),
            "can_position": permissions.can_set_position(user, need),
            "can_merge": permissions.can_merge(user, need),
            "can_record_production": permissions.can_record_production(user, need),
            "own_vote": own_vote,
            "supporting": user.is_authenticated
            and Support.objects.filter(need=need, user=user).exists(),
            "following": user.is_authenticated
            and Follow.objects.filter(need=need, user=user).exists(),
            "is_member": permissions.is_city_member(user),
            "transition_form": TransitionForm(),
            "merge_form": MergeForm(),
            "vote_form": VoteForm(),
            "breadcrumbs": crumbs((need.title, None)),
        },
    )


@login_required
@rate_limit("need", form=NeedForm)
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_edit_need(request.user, need):
        raise PermissionDenied
    form = NeedForm(
        request.POST or None,
        instance=need,
        initial={"tags": ", ".join(t.name for t in need.tags.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(
                actor=request.user,
                need=need,
                data=form.cleaned_data,
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The need was saved."))
            return redirect(need)
    return render(
        request,
        "needs_registry/need_form.html",
        {
            "form": form,
            "need": need,
            "breadcrumbs": crumbs((need.title, need.get_absolute_url()), (_("Edit"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@rate_limit("need", form=TransitionForm)
def need_transition(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(need)
    try:
        services.need_transition(
            actor=request.user,
            need=need,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The status was changed."))
    return redirect(need)


@login_required
@require_POST
@rate_limit("need", form=MergeForm)
def need_merge(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = selectors.need_get_for_viewer(viewer=request.user, pk=form.cleaned_data["target"])
        try:
            target = services.need_merge(
                actor=request.user, need=need, target=target, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The need was merged; its votes and cities moved here."))
            return redirect(target)
    else:
        messages.error(request, _("Give the number of the need and a reason."))
    return redirect(need)


@login_required
@require_POST
@rate_limit("need")
def dependencies(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    try:
        numbers = id_list_param(request, "depends_on", post=True)
    except InvalidParameter as error:
        messages.error(request, error.message)
        return redirect(need)
    others = [selectors.need_get_for_viewer(viewer=request.user, pk=n) for n in numbers]
    try:
        services.dependencies_set(actor=request.user, need=need, depends_on=others)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The dependencies were saved."))
    return redirect(need)


@login_required
@require_POST
@rate_limit("attachment")
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file first."))
        return redirect(need)
    try:
        services.need_attachment_add(actor=request.user, need=need, upload=upload)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file was attached."))
    return redirect(need)


@require_safe
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.need_attachment_get_for_viewer(viewer=request.user, pk=pk)
    return file_download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
