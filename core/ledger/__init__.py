"""The branch's yearly 台账: its own records laid out as the standard ledger an inspection reads."""
