"""What the records say about names: drugs and their other names, lone conditions and their MeSH term."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from indexer.store.db import Database


class Vocabulary:
    def __init__(self, db: Database):
        self._db = db

    def intervention_names(self) -> Iterator[list[str]]:
        """Each intervention's name followed by its other names."""
        sql = "SELECT j.value FROM records, json_each(records.record, '$.interventions') AS j"
        for (value,) in self._db.execute(sql):
            iv = json.loads(value)
            yield [n for n in (iv.get("name"), *(iv.get("other_names") or ())) if n]

    def lone_condition_mesh(self) -> Iterator[tuple[str, str]]:
        """(condition, MeSH term) of records that name exactly one of each."""
        sql = (
            "SELECT json_extract(record, '$.conditions'), json_extract(record, '$.condition_mesh') FROM records"
            " WHERE json_array_length(record, '$.conditions') = 1"
            " AND json_array_length(record, '$.condition_mesh') = 1"
        )
        for conditions, mesh in self._db.execute(sql):
            yield json.loads(conditions)[0], json.loads(mesh)[0]

    def state(self) -> tuple[int, str | None]:
        """(record count, newest write time): changes whenever the records do."""
        count, newest = self._db.execute("SELECT count(*), max(updated_at) FROM records").fetchone()
        return int(count), newest

    def condition_mesh_trees(self) -> Iterator[tuple[list[str], list[str]]]:
        """(condition MeSH terms, their MeSH ancestors) of each record that has MeSH terms."""
        sql = (
            "SELECT json_extract(record, '$.condition_mesh'), json_extract(record, '$.condition_mesh_ancestors')"
            " FROM records WHERE json_array_length(record, '$.condition_mesh') > 0"
        )
        for terms, ancestors in self._db.execute(sql):
            yield json.loads(terms), json.loads(ancestors) if ancestors else []

    def match_fields(self, ids: Iterable[str]) -> dict[str, tuple[list[str], list[str]]]:
        """Each record's condition names (its conditions, then its condition MeSH terms) and the texts of
        its inclusion criteria (sub-items included, depth first): what patient matching re-ranks by,
        read without decoding the whole record."""
        out: dict[str, tuple[list[str], list[str]]] = {}
        select = (
            "SELECT nct_id, json_extract(record, '$.conditions'), json_extract(record, '$.condition_mesh'),"
            " json_extract(record, '$.eligibility.inclusion') FROM records"
        )
        for nct_id, conditions, mesh, inclusion in self._db.by_ids(select, ids):
            names = [*json.loads(conditions or "[]"), *json.loads(mesh or "[]")]
            out[nct_id] = (names, list(_texts(json.loads(inclusion or "[]"))))
        return out


def _texts(items: list[dict[str, Any]]) -> Iterator[str]:
    for item in items:
        yield item["text"]
        yield from _texts(item.get("children") or [])
