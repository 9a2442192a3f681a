from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL with its ``page`` parameter set to ``number``."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
