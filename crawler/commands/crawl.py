"""`scrapy crawl` that exits as `trials crawl` does: 1 when nothing was fetched or the store failed, 3 partial."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.outcome import final_stats, outcome


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        result = outcome(final_stats(crawler))
        if result.message:
            print(result.message, file=sys.stderr)
        self.exitcode = result.code
