"""Trialscout indexer: records, normalisation, stores, search indexes and change tracking."""

__version__ = "0.1.0"
