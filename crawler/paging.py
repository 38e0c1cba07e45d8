"""Tells a search that pages on without end (a server fault) from one that is still bringing studies."""

from __future__ import annotations

from dataclasses import dataclass, field

# A run of pages that add no study new to this run (none, or only ones already fetched) but keep handing
# out new tokens is a server fault, not a query. A registry whose data changes mid-crawl re-sends a few
# studies across pages, which resets nothing but the run: only a whole run of pages with nothing new stops.
MAX_EMPTY_PAGES = 3
# Far more studies than the first page announced is a loop too, even one that slips in a new study a page.
MAX_OVERCOUNT = 2


@dataclass(slots=True)
class PageLoop:
    """What the pages of one search brought so far, to say when following its next page is a loop."""

    page_size: int
    tokens: dict[str, int] = field(default_factory=dict)  # next-page token -> the page that gave it
    fetched: set[str] = field(default_factory=set)  # the ids of every study the pages held
    studies: int = 0  # the studies the pages held, repeats included
    empty_pages: int = 0  # pages in a row that brought no study new to this run
    empty_held: int = 0  # the studies those pages held: all repeats

    def saw(self, ids: list[str], studies: int) -> None:
        """A page arrived holding `studies` studies, `ids` those whose id could be read."""
        fresh = len(set(ids) - self.fetched)
        self.fetched.update(ids)
        self.studies += studies
        if fresh:
            self.empty_pages = self.empty_held = 0
        else:
            self.empty_pages += 1
            self.empty_held += studies

    def problem(self, page: int, token: str, total_count: int | None) -> str | None:
        """Why page `page`'s next-page token must not be followed; None to follow it (and it is noted)."""
        if token in self.tokens:
            return f"page {page} repeated the next-page token of page {self.tokens[token]}"
        self.tokens[token] = page
        if self.empty_pages > MAX_EMPTY_PAGES:
            if not self.empty_held:
                return f"{self.empty_pages} pages in a row held no study and still had a next page"
            return (
                f"{self.empty_pages} pages in a row held only studies this crawl had already fetched "
                f"({self.empty_held} of them) and still had a next page"
            )
        if total_count is not None and self.studies > MAX_OVERCOUNT * total_count + self.page_size:
            return (
                f"the registry announced {total_count} studies and {self.studies} arrived "
                f"({len(self.fetched)} different), and it still had a next page"
            )
        return None
