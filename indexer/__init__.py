"""Trialscout indexer: records, normalisation, stores, search indexes and change tracking."""

__version__ = "0.1.0"

# Before any of the project's dataclasses is made (every module that makes one imports this package first).
from indexer import dataclass_code

dataclass_code.install()
