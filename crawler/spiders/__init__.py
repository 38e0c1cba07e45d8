"""Spiders; each one's name is its source slug, parser module and fixture folder."""
