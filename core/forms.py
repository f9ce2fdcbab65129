"""What every page form shares: field limits taken from :data:`core.validation.LIMITS`.

A form never carries its own numbers: ``Within("person_name")`` bounds a field by the named
limit, with the same Chinese message the services, the API and the imports give
(``tests/test_hardening_limits.py`` walks every form and fails on a literal bound).
"""

from __future__ import annotations

from typing import Any

from wtforms.validators import ValidationError

from core.validation import LIMITS, TextLimit, check


class Within:
    """WTForms validator: the field's value within ``LIMITS[name]`` (absent values pass).

    A text limit also renders as the input's ``maxlength``, so a browser stops typing there.

    :param name: a key of :data:`core.validation.LIMITS`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.limit = LIMITS[name]  # a KeyError at import names a limit that does not exist
        self.field_flags = {"maxlength": self.limit.max_length} if isinstance(self.limit, TextLimit) else {}

    def __call__(self, form: Any, field: Any) -> None:
        message = check(field.data, self.limit)
        if message:
            raise ValidationError(message)
