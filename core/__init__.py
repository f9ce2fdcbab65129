"""Branchmark core: the Flask application that hosts units, keeps their records and scores branches.

``from core import create_app`` imports the application factory on first use, so that importing
a pure part of the package (``core.standards``) does not import Flask.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from core.app import create_app

        return create_app
    raise AttributeError(f"module 'core' has no attribute {name!r}")
