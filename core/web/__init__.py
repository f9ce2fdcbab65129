"""The web shell: landing pages per role."""
