"""The two-letter USPS codes of the US states, DC and the territories with ZIP codes."""

from __future__ import annotations

# GeoNames' US admin1 codes are the same letters: any other two letters ("UK") are no US state, but maybe
# a country. Used by the gazetteer's regions and by parsers reading "City, ST 12345" addresses.
_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP"
)
US_STATE_CODES = frozenset(_CODES.split())
