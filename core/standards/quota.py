"""The county-wide quota on the top grade (e.g. 五星 ≤ 30 % of rated branches)."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal

from core.standards.evaluation import BranchResult
from core.standards.model import QuotaRule


def apply_grade_quota(
    results: Mapping[Hashable, BranchResult], quota: QuotaRule
) -> dict[Hashable, BranchResult]:
    """Demote the branches holding ``quota.grade`` beyond the county's quota.

    Only branches that hold the grade after vetoes are counted against the places; the number
    of places is ``floor(max_share × rated branches)`` (``≤ 30 %`` is a ceiling). Branches keep
    their places in order of total, highest first. Branches tied on total at the cut are all
    demoted, because any choice between them would be arbitrary; this may leave places unused,
    and the reason says so. Not-rated branches neither hold nor take places.

    :param results: every branch result of the county, keyed by branch id.
    :param quota: the standard's quota rule.
    :returns: the same keys; demoted branches get ``quota.demote_to`` and a reason in
        ``grade_reasons``, the others are returned unchanged.
    """
    rated = [key for key, result in results.items() if result.status != "not_rated"]
    places = quota_places(quota, len(rated))
    holders = sorted(
        (key for key in rated if results[key].grade == quota.grade),
        key=lambda key: results[key].total,
        reverse=True,
    )
    cut = quota_cut([results[key].total for key in holders], places)
    if cut is None:
        return dict(results)
    keep = {key for key in holders if results[key].total > cut}
    share = _percent(quota.max_share)
    cited = f"（{quota.citation.label}）" if quota.citation else ""
    demoted = dict(results)
    for rank, key in enumerate(holders, start=1):
        if key in keep:
            continue
        result = results[key]
        tied = "，与名额线同分并列，均不占名额" if result.total == cut and rank <= places else ""
        reason = (
            f"{quota.grade}名额限{share}{cited}：参评{len(rated)}个支部中最多{places}个，"
            f"本支部得分{result.total}列第{rank}名{tied}，降为{quota.demote_to}。"
        )
        demoted[key] = dataclasses.replace(
            result, grade=quota.demote_to, grade_reasons=(*result.grade_reasons, reason)
        )
    return demoted


def quota_places(quota: QuotaRule, rated: int) -> int:
    """:returns: how many of ``rated`` branches may hold the quota's grade (``floor``: a ceiling)."""
    return int((quota.max_share * rated).to_integral_value(rounding=ROUND_FLOOR))


def quota_cut(holder_totals: Sequence[Decimal], places: int) -> Decimal | None:
    """The total at or below which a holder of the quota's grade is demoted, or None if all fit.

    The first holder without a place sets the cut; everyone on that total loses the place too.
    A threshold, so a reader of stored results can apply the quota in SQL (see
    :mod:`core.scoring.county`) with the same rule.

    :param holder_totals: the totals of the branches holding the grade, highest first.
    """
    if len(holder_totals) <= places:
        return None
    return holder_totals[places]


def _percent(value: Decimal) -> str:
    """:returns: a share as a percentage for messages (0.3 → ``30%``)."""
    return f"{(value * 100).normalize():f}%"
