"""Transfers of a member's organizational relationship between units of the county (组织关系转接)."""
