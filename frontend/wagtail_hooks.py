"""Wagtail admin as the back office for organisations and forum categories."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.models import Organisation
from forum.models import Category


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    list_display = ["name_fi", "slug", "kind", "is_active"]
    search_fields = ["name_fi", "name_sv", "name_en", "slug"]
    add_to_admin_menu = True


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "list-ul"
    menu_label = "Forum categories"
    list_display = ["name_fi", "slug", "domain", "position"]
    search_fields = ["name_fi", "name_sv", "name_en", "slug"]
    add_to_admin_menu = True


register_snippet(OrganisationViewSet)
register_snippet(CategoryViewSet)
