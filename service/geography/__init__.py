"""City geography in the database: divisions, units, categories, grid assignments, and routing."""
