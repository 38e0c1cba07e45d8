"""A stored record's JSON read as the search document needs it, without building a TrialRecord.

`TrialRecord.from_dict` builds every nested object of a record (about 125-225 us a study); the search
document reads a few dozen fields. `view` answers attribute reads from the decoded dict instead, the
nested dicts (eligibility, locations, interventions) wrapped as they are read. A record stored by an
older version, without some field, raises MissingField on reading it: use `from_dict` for that one.
"""

from __future__ import annotations

from typing import Any, cast

from indexer.index.document import index_document
from indexer.record import TrialRecord


class MissingField(LookupError):
    """The stored dict lacks a field the document reads (a record stored by an older version)."""


class _View:
    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._data[name]
        except KeyError:
            raise MissingField(name) from None
        if type(value) is dict:
            return _View(value)
        if type(value) is list and value and type(value[0]) is dict:
            return [_View(v) for v in value]
        return value

    def drug_names(self) -> list[str]:
        return TrialRecord.drug_names(cast(TrialRecord, self))


def view(data: dict[str, Any]) -> TrialRecord:
    """The stored dict, read through TrialRecord's attribute names (typed as one for the document's code)."""
    return cast(TrialRecord, _View(data))


def stored_document(data: dict[str, Any]) -> dict[str, Any]:
    """`index_document` of a stored record's decoded JSON: the same fields, built without `from_dict`."""
    try:
        return index_document(view(data))
    except MissingField:
        return index_document(TrialRecord.from_dict(data))
