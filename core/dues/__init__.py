"""Party dues: the monthly ledger and the 2008 calculation rules."""
