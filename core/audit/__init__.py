"""The audit log: who wrote what, when, with the values before and after."""

from core.audit import recorder

__all__ = ["recorder"]
