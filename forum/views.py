"""Forum pages. Each view parses its form, calls one service, renders or redirects.

Every page works without JavaScript; ``fetch`` requests (``Accept:
application/json``) get JSON instead of a redirect.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimit import rate_limit
from downloads.responses import file_download
from forum import events, permissions, selectors, services
from forum.forms import AudienceForm, FlagForm, MoveForm, PostForm, ReactionForm, ThreadForm
from forum.models import REACTION_SYMBOLS, ReactionKind
from frontend.forms import MAX_ID, add_service_errors
from frontend.params import int_param, page_param, parse_int, text_param
from live.broadcast import frame
from needs_registry.permissions import can_promote_thread

logger = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def index(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_list(viewer=request.user)
    page = selectors.thread_list(viewer=request.user, page=page_param(request))
    return render(
        request,
        "forum/index.html",
        {"categories": categories, "page": page, "breadcrumbs": [(_("Forum"), None)]},
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_get_for_viewer(viewer=request.user, slug=slug)
    page = selectors.thread_list(
        viewer=request.user,
        category=category,
        tag=request.GET.get("tag", "")[:100],
        page=page_param(request),
    )
    return render(
        request,
        "forum/category_detail.html",
        {
            "category": category,
            "page": page,
            "can_start": permissions.can_start_thread(request.user, category),
            "watching": selectors.is_watching(viewer=request.user, category=category),
            "breadcrumbs": [(_("Forum"), reverse("forum:index")), (category.name, None)],
        },
    )


@login_required
@rate_limit("thread", form=ThreadForm)
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_get_for_viewer(viewer=request.user, slug=slug)
    if not permissions.can_start_thread(request.user, category):
        raise PermissionDenied
    form = ThreadForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "publicity": category.default_publicity,
            "audience_organisations": []
            if category.is_restricted
            else [request.user.organisation_id],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.thread_create(
                actor=request.user,
                category=category,
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                publicity=data["publicity"],
                audience_organisations=data["audience_organisations"],
                audience_roles=data["audience_roles"],
                uploads=[data.get("attachment")],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(thread)
    return render(
        request,
        "forum/thread_form.html",
        {
            "form": form,
            "category": category,
            "breadcrumbs": [
                (_("Forum"), reverse("forum:index")),
                (category.name, reverse("forum:category_detail", args=[category.slug])),
                (_("New thread"), None),
            ],
        },
        status=400 if form.errors else 200,
    )


def _thread_context(request, thread, page, form=None):
    viewer = request.user
    last_read = selectors.read_state_for(viewer=viewer, thread=thread)
    can_moderate = permissions.can_moderate_thread(viewer, thread)
    return {
        "thread": thread,
        "page": page,
        "form": form
        or PostForm(initial={"body": selectors.draft_for(viewer=viewer, thread=thread)}),
        "can_post": permissions.can_post(viewer, thread),
        "can_moderate": can_moderate,
        "can_change_audience": permissions.can_change_audience(viewer, thread),
        "audience": selectors.audience_description(thread=thread),
        "can_mark_solution": permissions.can_mark_solution(viewer, thread),
        "can_promote": can_promote_thread(viewer) and thread.need_id is None,
        "watching": selectors.is_watching(viewer=viewer, thread=thread),
        "last_read": last_read,
        "reactions": [
            (kind, label, REACTION_SYMBOLS[kind]) for kind, label in ReactionKind.choices
        ],
        "move_form": _move_form(viewer) if can_moderate else None,
        "breadcrumbs": [
            (_("Forum"), reverse("forum:index")),
            (thread.category.name, reverse("forum:category_detail", args=[thread.category.slug])),
            (thread.title, None),
        ],
    }


def _move_form(viewer):
    form = MoveForm()
    form.fields["category"].choices = [
        (c.pk, c.name) for c in selectors.category_list(viewer=viewer)
    ]
    return form


def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_page(viewer=request.user, pk=pk)
    requested = "last" if request.GET.get("page") == "last" else page_param(request, default=None)
    if requested is None:
        # Open where the member stopped reading.
        last_read = selectors.read_state_for(viewer=request.user, thread=thread)
        first_unread = min(last_read + 1, max(thread.last_post_number, 1))
        requested = (first_unread - 1) // selectors.POSTS_PER_PAGE + 1
    page = selectors.post_page(viewer=request.user, thread=thread, page=requested)
    context = _thread_context(request, thread, page)
    response = render(request, "forum/thread_detail.html", context)
    if request.user.is_authenticated and page.object_list:
        services.thread_mark_read(
            user=request.user, thread=thread, number=page.object_list[-1].number
        )
    return response


@login_required
@rate_limit("post", form=PostForm)
def post_create(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    if request.method != "POST":
        return redirect(thread)
    form = PostForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        reply_to = None
        if data.get("reply_to"):
            reply_to = selectors.reply_target(
                viewer=request.user, thread=thread, pk=data["reply_to"]
            )
        try:
            post = services.post_create(
                actor=request.user,
                thread=thread,
                body=data["body"],
                reply_to=reply_to,
                uploads=[data.get("attachment")],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except DatabaseError:
            logger.exception("A post could not be saved")
            form.add_error(
                None,
                _(
                    "Your post could not be saved just now. Nothing was saved; "
                    "your text is below. Please send it again."
                ),
            )
            status = 503
        else:
            if _wants_json(request):
                return JsonResponse({"post": post.pk, "number": post.number}, status=201)
            return redirect(post.get_absolute_url())
    if _wants_json(request):
        return JsonResponse({"errors": form.errors.get_json_data()}, status=status)
    thread = selectors.thread_get_for_page(viewer=request.user, pk=pk)
    page = selectors.post_page(viewer=request.user, thread=thread, page="last")
    return render(
        request,
        "forum/thread_detail.html",
        _thread_context(request, thread, page, form),
        status=status,
    )


@login_required
@require_POST
@rate_limit("draft")
def draft_save(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    body = text_param(request, "body", max_length=services.MAX_POST_LENGTH, post=True)
    services.draft_save(actor=request.user, thread=thread, body=body)
    return JsonResponse({"saved": True})


@login_required
@require_POST
@rate_limit("read")
def thread_read(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    number = parse_int(request.POST.get("number"), minimum=0, maximum=MAX_ID) or 0
    services.thread_mark_read(user=request.user, thread=thread, number=number)
    return JsonResponse({"ok": True})


@login_required
@require_POST
@rate_limit("watch")
def thread_watch(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    on = request.POST.get("watch") == "1"
    services.watch_set(user=request.user, thread=thread, on=on)
    messages.success(
        request, _("You now follow this thread.") if on else _("You no longer follow this thread.")
    )
    return redirect(thread)


@login_required
@require_POST
@rate_limit("watch")
def category_watch(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_get_for_viewer(viewer=request.user, slug=slug)
    on = request.POST.get("watch") == "1"
    services.watch_set(user=request.user, category=category, on=on)
    messages.success(
        request,
        _("You are notified of new threads here.")
        if on
        else _("You are no longer notified of new threads here."),
    )
    return redirect("forum:category_detail", slug=category.slug)


@login_required
@require_POST
@rate_limit("moderate")
def thread_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    action = request.POST.get("action", "")
    kwargs: dict = {}
    if action in {"lock", "unlock"}:
        kwargs["locked"] = action == "lock"
    elif action in {"pin", "unpin"}:
        kwargs["pinned"] = action == "pin"
    elif action in {"hide", "unhide"}:
        kwargs["hidden"] = action == "hide"
    elif action == "move":
        kwargs["category"] = selectors.category_get_for_move(
            viewer=request.user, pk=request.POST.get("category")
        )
        kwargs["confirm_widen"] = request.POST.get("confirm_widen") == "on"
    else:
        return HttpResponse(_("Unknown action."), status=400)
    try:
        services.thread_moderate(actor=request.user, thread=thread, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The thread was updated."))
    return redirect(thread)


@login_required
@rate_limit("moderate", form=AudienceForm)
def thread_audience(request: HttpRequest, pk: int) -> HttpResponse:
    """Change who may read a thread: its publicity class and confidential audience."""
    thread = selectors.thread_get_for_page(viewer=request.user, pk=pk)
    if not permissions.can_change_audience(request.user, thread):
        raise PermissionDenied
    form = AudienceForm(
        request.POST or None,
        initial={
            "publicity": thread.publicity,
            "audience_organisations": list(thread.audience_organisation_ids),
            "audience_roles": thread.audience_roles,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.thread_audience_set(
                actor=request.user,
                thread=thread,
                publicity=data["publicity"],
                organisations=data["audience_organisations"],
                roles=data["audience_roles"],
                confirm_widen=data["confirm_widen"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Who may read the thread was changed."))
            return redirect(thread)
    return render(
        request,
        "forum/thread_audience.html",
        {
            "form": form,
            "thread": thread,
            "audience": selectors.audience_description(thread=thread),
            "breadcrumbs": [
                (_("Forum"), reverse("forum:index")),
                (thread.title, thread.get_absolute_url()),
                (_("Who may read"), None),
            ],
        },
        status=400 if form.errors else 200,
    )


def thread_events(request: HttpRequest, pk: int) -> HttpResponse:
    """Stored events after ``after``: how a client without a websocket catches up.

    A JSON list of frames; ``[{"type": "reload", ...}]`` when the events asked
    for are older than the log keeps (the client reloads the page).
    """
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    after = int_param(request, "after", 0, minimum=0, maximum=MAX_ID)
    frames = selectors.events_after(thread=thread, seq=after)
    if frames is None:
        # Events after ``after`` were pruned: the client reloads the thread.
        return HttpResponse(
            "[" + frame(events.RELOAD, {"thread": thread.pk}) + "]",
            content_type="application/json",
        )
    body = "[" + ",".join(text for _seq, text in frames) + "]"
    return HttpResponse(body, content_type="application/json")


def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    page = selectors.page_of_post(post=post)
    return redirect(f"{post.thread.get_absolute_url()}?page={page}#post-{post.number}")


@login_required
@rate_limit("edit", form=PostForm)
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_edit_post(request.user, post):
        raise PermissionDenied
    form = PostForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(actor=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if _wants_json(request):
                return JsonResponse({"post": post.pk})
            return redirect(post.get_absolute_url())
    return render(
        request,
        "forum/post_edit.html",
        {"form": form, "post": post},
        status=400 if form.errors else 200,
    )


@login_required
@rate_limit("edit")
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_delete_post(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        services.post_delete(actor=request.user, post=post)
        if _wants_json(request):
            return JsonResponse({"post": post.pk})
        messages.success(request, _("The post was deleted."))
        return redirect(post.get_absolute_url())
    return render(request, "forum/post_delete.html", {"post": post})


@login_required
@require_POST
@rate_limit("react")
def post_react(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    counts = services.reaction_toggle(actor=request.user, post=post, kind=form.cleaned_data["kind"])
    if _wants_json(request):
        return JsonResponse({"counts": counts})
    return redirect(post.get_absolute_url())


@login_required
@rate_limit("flag", form=FlagForm)
def post_flag(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_flag(request.user, post):
        raise PermissionDenied
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at the post."))
            return redirect(post.get_absolute_url())
    return render(
        request,
        "forum/post_flag.html",
        {"form": form, "post": post},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@rate_limit("moderate")
def post_hide(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    hidden = request.POST.get("hidden") == "1"
    services.post_set_hidden(
        actor=request.user,
        post=post,
        hidden=hidden,
        reason=text_param(request, "reason", max_length=200, post=True),
    )
    messages.success(
        request, _("The post was hidden.") if hidden else _("The post is shown again.")
    )
    return redirect(post.get_absolute_url())


@login_required
@require_POST
@rate_limit("moderate")
def post_solution(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    clear = request.POST.get("clear") == "1"
    services.thread_mark_solution(
        actor=request.user, thread=post.thread, post=None if clear else post
    )
    return redirect(post.get_absolute_url())


@require_safe
def attachment_download(request: HttpRequest, token: str) -> HttpResponse:
    attachment = selectors.attachment_get_for_viewer(viewer=request.user, token=token)
    return file_download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_read_post(request.user, post):
        raise Http404
    revisions = selectors.revisions_for(viewer=request.user, post=post)
    return render(request, "forum/post_history.html", {"post": post, "revisions": revisions})


@login_required
@rate_limit("notifications")
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        messages.success(request, _("All notifications are marked as read."))
        return redirect("forum:notifications")
    items = selectors.notification_list(user=request.user)
    return render(request, "forum/notifications.html", {"notifications": items})


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    flags = selectors.flag_queue(viewer=request.user)
    log = selectors.moderation_log(viewer=request.user)
    return render(request, "forum/moderation_queue.html", {"flags": flags, "log": log})


@login_required
@require_POST
@rate_limit("moderate")
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    flag = selectors.flag_get_for_moderator(viewer=request.user, pk=pk)
    services.flag_dismiss(actor=request.user, flag=flag)
    return redirect("forum:moderation_queue")
