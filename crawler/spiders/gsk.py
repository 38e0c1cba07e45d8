"""GSK Clinical Study Register: study pages by study id."""

from __future__ import annotations

import re

from crawler.spiders.base import RegistryPageSpider


class GskSpider(RegistryPageSpider):
    name = "gsk"
    base_url = "https://www.gsk-clinicalstudyregister.com"
    trial_path = "/study/{id}"
    trial_link = re.compile(r"/study/\d+")
