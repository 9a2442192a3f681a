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


class AccessibilityStatementPage(ServedInReadersLanguage, Page):
    """The accessibility statement the Act on the Provision of Digital Services (306/2019) requires.

    Editors keep the parts that change (how well the service complies, what is
    not accessible, when and how it was assessed, where feedback goes); the
    feedback promise and the enforcement procedure are the law's and come from
    the template, translated like the rest of the interface. Served at
    ``/accessibility/``, which every page's footer links to.
    """

    class Compliance(models.TextChoices):
        FULL = "full", _("fully compliant")
        PARTIAL = "partial", _("partially compliant")
        NONE = "none", _("not compliant")

    compliance = models.CharField(
        _("compliance with the requirements"),
        max_length=10,
        choices=Compliance,
        default=Compliance.PARTIAL,
    )
    intro = RichTextField(_("introduction"), blank=True)
    known_issues = RichTextField(
        _("content that is not accessible"),
        blank=True,
        help_text=_("Each known issue, why it is not accessible and how to get around it."),
    )
    assessed_on = models.DateField(_("date of the last assessment"))
    assessment_method = RichTextField(_("how the service was assessed"))
    prepared_on = models.DateField(_("date the statement was prepared"))
    feedback_email = models.EmailField(_("feedback e-mail address"))
    feedback_url = models.URLField(_("feedback form address"), blank=True)
    feedback_phone = models.CharField(_("feedback telephone number"), max_length=40, blank=True)

    max_count_per_parent = 1
    parent_page_types = ["frontend.HomePage"]
    subpage_types: list[str] = []
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("compliance"),
        FieldPanel("known_issues"),
        FieldPanel("assessed_on"),
        FieldPanel("assessment_method"),
        FieldPanel("prepared_on"),
        FieldPanel("feedback_email"),
        FieldPanel("feedback_url"),
        FieldPanel("feedback_phone"),
    ]

    class Meta:
        verbose_name = _("accessibility statement")
