"""How many trials contain a word, asked of the index once per word and cached per catalog (idf)."""

from __future__ import annotations

import weakref

from indexer.catalog import Catalog


class _DocFreq:
    """How many trials contain a word, asked of the index once per word (feedback weighs words by idf).

    The cache is bounded, and starts afresh when the number of trials changed (a long-running
    server that ingests keeps its figures current enough for idf).
    """

    _MAX_WORDS = 100_000

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.cache: dict[str, int] = {}
        self.trials = -1

    def total(self) -> int:
        # The index's count, not the store's: the same documents as the frequencies, and no table scan.
        trials = self.catalog.index.count()
        if trials != self.trials or len(self.cache) > self._MAX_WORDS:
            self.cache.clear()
            self.trials = trials
        return trials

    def __call__(self, word: str) -> int:
        if word not in self.cache:
            self.cache[word] = self.catalog.index.doc_freq(word)
        return self.cache[word]


_doc_freqs: weakref.WeakKeyDictionary[Catalog, _DocFreq] = weakref.WeakKeyDictionary()


def doc_freq(catalog: Catalog) -> _DocFreq:
    """How many trials of `catalog` contain a word (cached per catalog)."""
    if catalog not in _doc_freqs:
        _doc_freqs[catalog] = _DocFreq(catalog)
    return _doc_freqs[catalog]
