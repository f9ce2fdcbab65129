"""Branchmark core: the Flask application that hosts units, keeps their records and scores branches."""

from __future__ import annotations

from core.app import create_app

__all__ = ["create_app"]
