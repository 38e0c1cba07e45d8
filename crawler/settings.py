"""Scrapy settings for Trialscout; every value comes from `indexer.config` or is a Scrapy politeness default."""

from indexer.config import load as _load

_s = _load()

BOT_NAME = "trialscout"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl` with the exit codes of `trials crawl` (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = _s.user_agent
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = _s.download_delay
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = _s.download_delay
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 120

RETRY_ENABLED = True
RETRY_TIMES = _s.retry_times
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.ReachableRobotsTxtMiddleware": 100,  # Scrapy's place for robots.txt
    "crawler.middlewares.RetryAfterMiddleware": 550,
    # First of all (before robots.txt): every request must stay on the sites the crawl was sent to.
    "crawler.sites.StayOnSiteMiddleware": 50,
}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
EXTENSIONS = {"crawler.extensions.NetworkErrorsOnOneLine": 0}

HTTPCACHE_ENABLED = _s.http_cache
# Errors (5xx, 429) and bodies that cannot be read are never cached, so never replayed.
HTTPCACHE_POLICY = "crawler.cache.GoodAnswersPolicy"
HTTPCACHE_STORAGE = "crawler.cache.WholeEntriesStorage"
HTTPCACHE_DIR = str(_s.data_dir / "httpcache")
# API answers change daily; a cache is for re-running a crawl during development, not for freshness.
HTTPCACHE_EXPIRATION_SECS = 24 * 3600

TRIALS_DATA = str(_s.data_dir)
TRIALS_API_URL = _s.api_url
TRIALS_PAGE_SIZE = _s.page_size
TRIALS_BATCH_SIZE = _s.batch_size
TRIALS_MAX_RETRY_DELAY = _s.max_retry_delay

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
