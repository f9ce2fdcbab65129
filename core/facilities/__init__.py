"""The six-item facility checklist (六有) and its evidence."""
