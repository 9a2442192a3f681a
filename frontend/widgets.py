"""Date and time pickers that work in every language.

A browser's ``<input type="date">`` (and ``datetime-local``) reads and writes ISO
values only; Django would otherwise render an initial value in the page's
language (``1.8.2026``), which the browser cannot read and shows as empty, so
an edit form would lose the date it had.
"""

from django import forms


def date_picker() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def datetime_picker() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
