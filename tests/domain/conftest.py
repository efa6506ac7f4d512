"""Domain tests run without a database and must not need Django at all."""
