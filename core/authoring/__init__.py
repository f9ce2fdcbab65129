"""County-authored standards stored in the database, and units' overrides of them."""
