"""The stored-live-results tasks: a unit's re-score after a write, and the daily pass.

Registered on the queue by :mod:`core.jobs.queue` (listed in its ``TASK_MODULES``); nothing
else imports this module. The work is :mod:`core.scoring.live`'s.
"""

from __future__ import annotations

from flask import Flask
from huey import Huey, crontab

from core.scoring import live


def register(huey: Huey, app: Flask) -> None:
    """Register the live-result tasks on ``huey``, each inside ``app``'s context."""

    @huey.task(name=live.RESCORE_TASK)
    def rescore_unit(tenant_id: int) -> None:
        """One unit's stored results brought up to its records (queued once per burst of writes)."""
        from core.plugins.manager import get_registry

        with app.app_context():
            live.rescore_unit(tenant_id, get_registry())

    @huey.periodic_task(crontab(hour="0", minute="5"), name=live.DAILY_TASK)
    def daily_pass() -> None:
        """Just after midnight: every unit read as of the new day (months end, terms expire).

        Two consumers running it at once store the same results twice; nothing else happens.
        """
        from core.plugins.manager import get_registry

        with app.app_context():
            live.daily_pass(get_registry())
