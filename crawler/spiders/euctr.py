"""EU Clinical Trials Register: protocol pages by EudraCT number and country, or from a search."""

from __future__ import annotations

import re

from crawler.spiders.base import RegistryPageSpider


class EuctrSpider(RegistryPageSpider):
    name = "euctr"
    base_url = "https://www.clinicaltrialsregister.eu"
    trial_path = "/ctr-search/trial/{id}"  # id: "2015-000590-12/DE" (a country code, or 3rd)
    search_path = "/ctr-search/search?{query}"
    trial_link = re.compile(r"/ctr-search/trial/\d{4}-\d{6}-\d{2}/[A-Za-z0-9]+")
