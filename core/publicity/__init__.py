"""Publicity reports (报道) about a branch's work: title, outlet, level, date."""
