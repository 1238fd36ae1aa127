"""Reports: models arrive with their issue."""
