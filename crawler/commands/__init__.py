"""Scrapy commands of the project (COMMANDS_MODULE): `scrapy crawl` with Trialscout's exit codes."""
