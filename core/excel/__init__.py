"""Excel templates, imports (all or nothing, row-by-row report) and exports of a unit's records."""
