"""Scoring: metrics from records, evaluation by the unit type's standard, stored scorecards."""
