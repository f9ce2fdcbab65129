"""Where the project's top-level folders live, so code finds templates, tenants and migrations."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
TENANTS_DIR = PROJECT_ROOT / "tenants"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
