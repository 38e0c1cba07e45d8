"""The `trials` command line: a thin layer over `indexer.catalog.Catalog`."""
