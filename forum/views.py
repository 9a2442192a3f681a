"""Forum pages. Each view parses its form, calls one service, renders or redirects.

Every page works without JavaScript; ``fetch`` requests (``Accept:
application/json``) get JSON instead of a redirect.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.forms import ChoiceField
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimit import rate_limit
from downloads.responses import file_download
from downloads.thumbnails import THUMBNAIL_TYPE
from forum import events, fragments, mentions, permissions, selectors, services
from forum.forms import (
    AudienceForm,
    FlagForm,
    MoveForm,
    PollForm,
    PostForm,
    ReactionForm,
    ThreadForm,
    TrackingForm,
    tracking_choices,
)
from forum.models import Category, Thread, TrackingLevel
from frontend.forms import MAX_ID, add_service_errors
from frontend.params import int_param, page_param, parse_int, text_param
from live.broadcast import frame
from needs_registry.exports import table_response
from needs_registry.permissions import can_promote_thread

logger = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# A request with this header asks only for the list of threads of the page (the
# live list's refresh when its "new threads" banner is pressed).
LIST_FRAGMENT = "X-Fragment"


def _thread_list_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The page, or only its list of threads when the live list asks for it."""
    page = context["page"]
    fragments.attach_rendered_rows(page.object_list)
    # Activity is shown live where new threads appear: the first page, unfiltered.
    context["live"] = page.number == 1 and not request.GET.get("tag")
    if request.headers.get(LIST_FRAGMENT) == "threads":
        response = render(request, "forum/_thread_list.html", context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, [LIST_FRAGMENT])
    return response


def index(request: HttpRequest) -> HttpResponse:
    categories = selectors.category_list(viewer=request.user)
    page = selectors.thread_list(viewer=request.user, page=page_param(request), people=False)
    return _thread_list_page(
        request,
        "forum/index.html",
        {
            "categories": categories,
            "page": page,
            "empty_text": _("No discussions yet."),
            "can_start": any(permissions.can_start_thread(request.user, c) for c in categories),
            "breadcrumbs": [(_("Forum"), None)],
        },
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_get_for_viewer(viewer=request.user, slug=slug)
    page = selectors.thread_list(
        viewer=request.user,
        category=category,
        tag=request.GET.get("tag", "")[:100],
        page=page_param(request),
        people=False,  # the rows are rendered (``_thread_list_page``)
    )
    return _thread_list_page(
        request,
        "forum/category_detail.html",
        {
            "category": category,
            "page": page,
            "empty_text": _("No threads yet."),
            "can_start": permissions.can_start_thread(request.user, category),
            **_tracking_context(request, category=category),
            "breadcrumbs": [(_("Forum"), reverse("forum:index")), (category.name, None)],
        },
    )


@login_required
@rate_limit("thread", form=ThreadForm)
def thread_create(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """A new thread in the category of the address, or (from the forum's index) in
    one the member chooses among those where they may start threads."""
    draft = selectors.thread_draft_for(viewer=request.user)
    if slug is not None:
        category = selectors.category_get_for_viewer(viewer=request.user, slug=slug)
        if not permissions.can_start_thread(request.user, category):
            raise PermissionDenied
        choices = None
    else:
        choices = selectors.categories_for_new_thread(viewer=request.user)
        if not choices:
            raise PermissionDenied
        category = None
    initial: dict = {"publicity": (category.default_publicity if category else "internal")}
    if category is None or not category.is_restricted:
        initial["audience_organisations"] = [request.user.organisation_id]
    if draft is not None and (category is None or draft.category_id in {None, category.pk}):
        initial.update(title=draft.title, body=draft.body)
        if category is None and draft.category_id:
            initial["category"] = draft.category_id
    form = ThreadForm(request.POST or None, request.FILES or None, initial=initial)
    if choices is not None:
        form.fields = {
            "category": ChoiceField(
                label=_("Category"), choices=[("", "—")] + [(c.pk, c.name) for c in choices]
            ),
            **form.fields,
        }
    preview = None
    if request.method == "POST" and request.POST.get("preview"):
        preview = selectors.post_preview(body=request.POST.get("body", ""))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = category or next(c for c in choices or [] if str(c.pk) == data["category"])
        try:
            thread = services.thread_create(
                actor=request.user,
                category=chosen,
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                publicity=data["publicity"],
                audience_organisations=data["audience_organisations"],
                audience_roles=data["audience_roles"],
                uploads=data["attachment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(thread)
    breadcrumbs = [(_("Forum"), reverse("forum:index"))]
    if category is not None and choices is None:
        breadcrumbs.append((category.name, reverse("forum:category_detail", args=[category.slug])))
    breadcrumbs.append((_("New thread"), None))
    return render(
        request,
        "forum/thread_form.html",
        {
            "form": form,
            "category": category if choices is None else None,
            "preview": preview,
            "breadcrumbs": breadcrumbs,
        },
        status=400 if form.errors and preview is None else 200,
    )


@login_required
@require_POST
@rate_limit("draft")
def thread_draft_save(request: HttpRequest) -> HttpResponse:
    """Keep the new thread being written: its category, title and message."""
    category = selectors.category_for_new_thread_draft(
        viewer=request.user, pk=request.POST.get("category")
    )
    services.thread_draft_save(
        actor=request.user,
        category=category,
        title=text_param(request, "title", max_length=200, post=True),
        body=text_param(request, "body", max_length=services.MAX_POST_LENGTH, post=True),
    )
    return JsonResponse({"saved": True})


@login_required
@require_safe
@rate_limit("mention")
def mention_candidates(request: HttpRequest) -> HttpResponse:
    """People and organisations to mention, for the composer's autocomplete."""
    query = text_param(request, "q", max_length=60)
    return JsonResponse({"results": mentions.candidates(viewer=request.user, query=query)})


def _thread_context(request, thread, page, form=None):
    viewer = request.user
    last_read = selectors.read_state_for(viewer=viewer, thread=thread)
    posts_html = ""
    if page is not None:
        page.object_list = fragments.page_posts(request, viewer, thread, page)
        posts_html = fragments.page_html(page.object_list, last_read)
    can_moderate = permissions.can_moderate_thread(viewer, thread)
    draft = selectors.draft_for(viewer=viewer, thread=thread) if form is None else ""
    return {
        "thread": thread,
        "page": page,
        "posts_html": posts_html,
        "form": form or PostForm(initial={"body": draft}),
        # Without a draft or a form sent back, the fields are the same for everyone.
        "form_fields_html": fragments.empty_reply_fields() if form is None and not draft else "",
        "can_post": permissions.can_post(viewer, thread),
        "can_moderate": can_moderate,
        "can_change_audience": permissions.can_change_audience(viewer, thread),
        "audience": selectors.audience_description(thread=thread),
        "can_mark_solution": permissions.can_mark_solution(viewer, thread),
        "can_promote": can_promote_thread(viewer) and thread.need_id is None,
        **_tracking_context(request, thread=thread),
        "last_read": last_read,
        "move_form": _move_form(viewer) if can_moderate else None,
        # The page's polls; the live fragments (no page) leave them out.
        "polls": selectors.polls_for_thread(viewer=viewer, thread=thread) if page else [],
        "can_add_poll": permissions.can_add_poll(viewer, thread),
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
    page = selectors.post_page_numbers(thread=thread, page=requested)
    context = _thread_context(request, thread, page)
    response = render(request, "forum/thread_detail.html", context)
    if request.user.is_authenticated and page.object_list:
        services.thread_mark_read(
            user=request.user,
            thread=thread,
            number=page.object_list[-1].number,
            known=context["last_read"],
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
    preview = None
    if request.POST.get("preview"):
        # Without JavaScript the Preview button sends the form here: the page
        # comes back with the text kept and shown as it will be posted.
        preview = selectors.post_preview(body=request.POST.get("body", ""))
        status = 200
    elif form.is_valid():
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
                uploads=data["attachment"],
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
    page = selectors.post_page_numbers(thread=thread, page="last")
    context = _thread_context(request, thread, page, form)
    context["preview"] = preview
    return render(request, "forum/thread_detail.html", context, status=status)


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


def _tracking_context(
    request: HttpRequest, *, thread: Thread | None = None, category: Category | None = None
) -> dict:
    """What the tracking control shows: the member's level and the choices."""
    level = selectors.tracking_level_for(viewer=request.user, thread=thread, category=category)
    on = "thread" if thread is not None else "category"
    if thread is not None:
        url = reverse("forum:thread_tracking", args=[thread.pk])
    elif category is not None:
        url = reverse("forum:category_tracking", args=[category.slug])
    else:
        raise ValueError("A tracking control is for a thread or for a category.")
    return {
        "tracking_level": level,
        "tracking_label": TrackingLevel(level).label,
        "tracking_on": on,
        "tracking_url": url,
        "tracking_choices": tracking_choices(on),
    }


def _tracking_save(
    request: HttpRequest, *, thread: Thread | None = None, category: Category | None = None
) -> None:
    form = TrackingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the notification levels."))
        return
    level = TrackingLevel(form.cleaned_data["level"])
    services.tracking_set(user=request.user, level=level, thread=thread, category=category)
    messages.success(request, _("Notifications: %(level)s. Saved.") % {"level": level.label})


@login_required
@require_POST
@rate_limit("watch")
def thread_tracking(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_viewer(viewer=request.user, pk=pk)
    _tracking_save(request, thread=thread)
    return redirect(thread)


@login_required
@require_POST
@rate_limit("watch")
def category_tracking(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_get_for_viewer(viewer=request.user, slug=slug)
    _tracking_save(request, category=category)
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


@require_safe
def thread_fragments(request: HttpRequest, pk: int) -> HttpResponse:
    """Parts of the thread page as this viewer sees them, in their language: how live
    updates bring posts and thread changes in, rendered from the page's own partials.

    ``after=N`` gives the posts numbered after N, ``posts=1,2`` those posts (each
    with the viewer's controls, as ``forum.permissions.post_actions`` decides),
    ``state=1`` the thread's header, reply area and moderation panel, ``poll=N``
    that poll's results (when they are shown now). Live frames carry only ids, so
    the words, dates and place names come from here, for this viewer. 404 for
    whoever may not read the thread.
    """
    thread = selectors.thread_get_for_page(viewer=request.user, pk=pk)
    after = parse_int(request.GET.get("after"), minimum=0, maximum=MAX_ID)
    ids = [
        n
        for n in (
            parse_int(part, minimum=1, maximum=MAX_ID)
            for part in request.GET.get("posts", "").split(",")[: selectors.POSTS_PER_PAGE]
        )
        if n is not None
    ]
    posts = selectors.posts_get_for_fragments(
        viewer=request.user, thread=thread, ids=ids, after=after
    )
    # Rendered without the site's context processors (the page shell's, such
    # as the unread count): the partials need only these.
    shared = {"user": request.user, "request": request, "csrf_token": get_token(request)}
    body: dict = {
        "posts": [
            {"id": post.pk, "number": post.number, "html": html}
            for post, html in zip(
                posts, fragments.render_posts(request, thread, posts), strict=True
            )
        ]
    }
    poll_id = parse_int(request.GET.get("poll"), minimum=1, maximum=MAX_ID)
    shown = selectors.poll_results_in_thread(thread=thread, pk=poll_id) if poll_id else None
    if shown is not None:
        poll, results = shown
        body["polls"] = {
            str(poll.pk): render_to_string(
                "forum/_poll.html#poll_results", {**shared, "poll": poll, "results": results}
            )
        }
    if request.GET.get("state") == "1":
        context = {**_thread_context(request, thread, None), **shared}
        body["state"] = {
            name: render_to_string(f"forum/thread_detail.html#{name}", context)
            for name in ("thread_header", "reply_area", "moderation")
        }
    return JsonResponse(body)


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


@require_safe
def attachment_thumbnail(request: HttpRequest, token: str) -> HttpResponse:
    """The small picture of an image attachment, under the attachment's own read rule."""
    attachment = selectors.attachment_get_for_viewer(viewer=request.user, token=token)
    if not attachment.thumbnail:
        raise Http404
    stem = attachment.original_name.rsplit(".", 1)[0]
    return file_download(
        attachment.thumbnail, filename=f"{stem}-thumbnail.webp", content_type=THUMBNAIL_TYPE
    )


@login_required
@require_POST
@rate_limit("preview")
def post_preview(request: HttpRequest) -> HttpResponse:
    """The message as it will be posted: the same Markdown, mentions and sanitiser."""
    if not permissions.is_member(request.user):
        raise PermissionDenied
    body = text_param(request, "body", max_length=services.MAX_POST_LENGTH, post=True)
    return JsonResponse({"html": selectors.post_preview(body=body)})


def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_read_post(request.user, post):
        raise Http404
    revisions = selectors.revisions_for(viewer=request.user, post=post)
    return render(request, "forum/post_history.html", {"post": post, "revisions": revisions})


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


@login_required
@rate_limit("thread", form=PollForm)
def poll_create(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_page(viewer=request.user, pk=pk)
    if not permissions.can_add_poll(request.user, thread):
        raise PermissionDenied
    form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = services.poll_create(
                actor=request.user,
                thread=thread,
                question=data["question"],
                options=data["options"],
                kind=data["kind"],
                voters=data["voters"],
                results=data["results"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{thread.get_absolute_url()}#poll-{poll.pk}")
    return render(
        request,
        "forum/poll_form.html",
        {
            "form": form,
            "thread": thread,
            "breadcrumbs": [
                (_("Forum"), reverse("forum:index")),
                (thread.title, thread.get_absolute_url()),
                (_("New poll"), None),
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@rate_limit("vote")
def poll_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a poll. A refused answer comes back with the reason and the choice kept."""
    poll = selectors.poll_get_for_viewer(viewer=request.user, pk=pk)
    chosen = [
        n
        for n in (parse_int(v, minimum=1, maximum=MAX_ID) for v in request.POST.getlist("option"))
        if n
    ]
    try:
        services.poll_vote(actor=request.user, poll=poll, option_ids=chosen)
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"errors": error.messages}, status=400)
        thread = selectors.thread_get_for_page(viewer=request.user, pk=poll.thread_id)
        page = selectors.post_page_numbers(thread=thread, page="last")
        context = _thread_context(request, thread, page)
        for shown in context["polls"]:
            if shown.pk == poll.pk:
                shown.error = " ".join(error.messages)
                shown.viewer_choice_ids = set(chosen)
        return render(request, "forum/thread_detail.html", context, status=400)
    if _wants_json(request):
        return JsonResponse({"saved": True})
    messages.success(request, _("Your answer was saved."))
    return redirect(f"{poll.thread.get_absolute_url()}#poll-{poll.pk}")


@login_required
@require_safe
@rate_limit("export")
def poll_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    poll = selectors.poll_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_export_poll(request.user, poll):
        raise PermissionDenied
    header, rows = selectors.poll_export_rows(poll=poll)
    return table_response(name=f"poll-{poll.pk}", fmt=fmt, header=header, rows=rows)


@require_safe
def keyboard_help(request: HttpRequest) -> HttpResponse:
    """The thread page's keyboard shortcuts, for everyone (``frontend/shortcuts.js``)."""
    return render(request, "forum/keyboard_help.html")
