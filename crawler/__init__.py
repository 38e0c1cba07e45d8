"""Trialscout's Scrapy project: spiders crawl, parsers in `indexer.parsers` read, the pipeline stores."""
