"""Errors every parser raises: a document that is not a trial, and a trial that cannot be read."""


class ParseError(ValueError):
    """The document claims to be a trial record but cannot be read; it is counted and kept."""


class NotATrial(ParseError):
    """The document is not a trial record at all (an index file, a feed); it is skipped with a note."""
