"""Form plumbing shared by the apps' views."""

from django import forms
from django.core.exceptions import ValidationError

from frontend.params import parse_int

# The largest id the database's integer keys hold: a larger number names nothing,
# and some databases fail on it instead of finding nothing.
MAX_ID = 2**31 - 1


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Objects chosen by id, where anything that cannot be an id is refused as a choice
    before the database is asked."""

    def _check_values(self, value):
        for pk in value:
            if parse_int(str(pk), minimum=1, maximum=MAX_ID) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:50]},
                )
        return super()._check_values(value)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where the field exists."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
