"""Atom feeds per category, authenticated by a member's personal feed token."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from accounts.models import User
from forum import permissions, selectors
from forum.models import Publicity, Thread


class CategoryFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug: str, token: str):
        viewer = User.objects.filter(feed_token=token, is_active=True).first()
        if viewer is None:
            raise Http404
        category = selectors.category_get_for_viewer(viewer=viewer, slug=slug)
        threads = [
            thread
            for thread in selectors.thread_list(viewer=viewer, category=category).object_list
            if permissions.may_be_listed_in_feed(thread)
        ]
        return {"category": category, "threads": threads, "viewer": viewer}

    def title(self, obj) -> str:
        return f"{_('Open Cities')} – {obj['category'].name}"

    def link(self, obj) -> str:
        from django.urls import reverse

        return reverse("forum:category_detail", args=[obj["category"].slug])

    def subtitle(self, obj) -> str:
        return obj["category"].description or _("Latest discussions")

    def items(self, obj) -> list[Thread]:
        return obj["threads"]

    def item_title(self, item: Thread) -> str:
        marker = "" if item.publicity == Publicity.PUBLIC else f" [{item.get_publicity_display()}]"
        return f"{item.title}{marker}"

    def item_description(self, item: Thread) -> str:
        return _("%(count)d posts, latest activity %(when)s") % {
            "count": item.post_count,
            "when": item.last_activity_at.strftime("%Y-%m-%d %H:%M"),
        }

    def item_author_name(self, item: Thread) -> str:
        return item.author.public_name

    def item_updateddate(self, item: Thread):
        return item.last_activity_at

    def item_pubdate(self, item: Thread):
        return item.created_at
