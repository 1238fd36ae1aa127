"""Credit: models arrive with their issue."""
