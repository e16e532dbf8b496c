"""Placeholder: models arrive with their issue."""
