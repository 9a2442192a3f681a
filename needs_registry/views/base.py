"""What the registry's pages share: breadcrumbs and the member cities."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Organisation


def crumbs(*items):
    return [(_("Needs"), reverse("needs:need_list")), *items]


def member_cities():
    return Organisation.objects.filter(is_active=True, kind=Organisation.Kind.CITY).order_by(
        "name_fi"
    )
