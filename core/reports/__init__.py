"""Scorecard reports (branch card, unit summary, county roll-up) as HTML and PDF."""
