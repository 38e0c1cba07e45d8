"""Optional text embeddings (the `embeddings` extra: WordLlama, weights shipped in its wheel, numpy on CPU)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.record import TrialRecord

log = logging.getLogger(__name__)
_CACHE_SIZE = 200_000  # trial vectors kept in memory: 256 floats each, about 200 MB at most


class Embedder:
    """Cosine similarity between a patient's words and what each trial is about."""

    def __init__(self, model: Any):
        self.model = model
        self._vectors: dict[tuple[str, str | None], Any] = {}

    def similarities(self, text: str, records: Sequence[TrialRecord], about: Any) -> list[float]:
        keys = [(r.nct_id, r.last_update_posted) for r in records]
        todo = [(k, r) for k, r in zip(keys, records, strict=True) if k not in self._vectors]
        if todo:
            if len(self._vectors) + len(todo) > _CACHE_SIZE:
                self._vectors.clear()
            vectors = self.model.embed([about(r) for _, r in todo], norm=True)
            self._vectors.update(zip((k for k, _ in todo), vectors, strict=True))
        query = self.model.embed([text], norm=True)[0]
        return [float(self._vectors[k] @ query) for k in keys]


@lru_cache(maxsize=1)
def embedder() -> Embedder | None:
    """The model if the extra is installed, else None. It loads from the package's own files, never
    from the network (`disable_download`)."""
    try:
        import wordllama
    except ImportError:
        return None
    # WordLlama looks for its tokenizer under <cache_dir>/tokenizers/: the package's own folder has it.
    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    log.debug("text embeddings: WordLlama %s", getattr(wordllama, "__version__", "?"))
    return Embedder(model)
