"""The demo county: data files in ``tenants/demo/`` and the loader that puts them in a database.

Use :func:`load_demo` (or ``branchmark demo``). The data files are described in
``tenants/README.md``.
"""

from core.demo.data import DemoDataError
from core.demo.loader import DEMO_DIR, DemoLogin, DemoSchemaMissing, DemoSummary, load_demo

__all__ = [
    "DEMO_DIR",
    "DemoDataError",
    "DemoLogin",
    "DemoSchemaMissing",
    "DemoSummary",
    "load_demo",
]
