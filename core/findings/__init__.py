"""Findings (认定) and honours (表彰) about branches, and the county's list of finding kinds."""
