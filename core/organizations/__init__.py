"""The organization tree (党委/总支/支部), terms, party groups and committee seats."""
