"""Takeda clinical trials: trial summary pages by Takeda trial id."""

from __future__ import annotations

import re

from crawler.spiders.base import RegistryPageSpider


class TakedaSpider(RegistryPageSpider):
    name = "takeda"
    base_url = "https://www.takedaclinicaltrials.com"
    trial_path = "/browse/summary/{id}"  # ids may hold "/" (AG-1749/CCT-352) or spaces (ATS K023)
    trial_link = re.compile(r"/browse/summary/[^\"'?#]+")
