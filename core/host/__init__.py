"""The host (the county organization department) and its units (tenants)."""
