"""The one error every write path raises for bad input: field → Chinese message.

Forms, the JSON API and Excel imports all call the same services, so a bad value gets the same
message whichever way it came in.
"""

from __future__ import annotations


class RecordError(ValueError):
    """Bad input for a record; nothing was changed.

    :param errors: field name → message in Chinese (for imports the caller adds the row).
    """

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
