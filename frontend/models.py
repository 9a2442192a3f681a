"""Content pages edited in Wagtail: the home page and the consortium's own pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class ServedInReadersLanguage:
    """Serve the translation of a page in the reader's language when there is one.

    Pages are routed through the Finnish tree; Swedish and English versions are
    Wagtail translations of the same pages, edited in Wagtail admin.
    """

    def serve(self, request, *args, **kwargs):
        localized = self.localized
        if localized.pk != self.pk and localized.live:
            return localized.specific.serve(request, *args, **kwargs)
        return super().serve(request, *args, **kwargs)


class HomePage(ServedInReadersLanguage, Page):
    """The front page: introduction, latest discussions, needs under review and news."""

    intro = RichTextField(_("introduction"), blank=True)
    max_count = None
    subpage_types = ["frontend.ContentPage", "frontend.NewsIndexPage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from forum.selectors import thread_list_latest
        from needs_registry.selectors import need_list_under_review

        context = super().get_context(request, *args, **kwargs)
        context["latest_threads"] = thread_list_latest(viewer=request.user, limit=5)
        context["needs_under_review"] = need_list_under_review(viewer=request.user, limit=5)
        context["news"] = (
            NewsPage.objects.live().public().filter(locale=self.locale).order_by("-date")[:3]
        )
        return context


class ContentPage(ServedInReadersLanguage, Page):
    """A page such as "About the consortium" or "How to submit a need"."""

    body = RichTextField(_("body"))
    content_panels = [*Page.content_panels, FieldPanel("body")]
    subpage_types = ["frontend.ContentPage"]

    class Meta:
        verbose_name = _("content page")


class NewsIndexPage(ServedInReadersLanguage, Page):
    intro = RichTextField(_("introduction"), blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["frontend.NewsPage"]

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["news"] = NewsPage.objects.live().public().child_of(self).order_by("-date")
        return context


class NewsPage(ServedInReadersLanguage, Page):
    date = models.DateField(_("date"))
    body = RichTextField(_("body"))
    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("body")]
    parent_page_types = ["frontend.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news item")
