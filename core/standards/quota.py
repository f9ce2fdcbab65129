"""The county-wide quota on the top grade (e.g. 五星 ≤ 30 % of rated branches)."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
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
    places = int((quota.max_share * len(rated)).to_integral_value(rounding=ROUND_FLOOR))
    holders = sorted(
        (key for key in rated if results[key].grade == quota.grade),
        key=lambda key: results[key].total,
        reverse=True,
    )
    if len(holders) <= places:
        return dict(results)
    # The first branch without a place sets the cut; everyone on that total loses the place.
    cut = results[holders[places]].total
    keep = {key for key in holders[:places] if results[key].total != cut}
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


def _percent(value: Decimal) -> str:
    """:returns: a share as a percentage for messages (0.3 → ``30%``)."""
    return f"{(value * 100).normalize():f}%"
