"""Trial id patterns: NCT, EudraCT and the ids the project gives trials known only from other registers."""

from __future__ import annotations

import re

# ClinicalTrials.gov: "NCT" and eight digits (https://clinicaltrials.gov/policy/glossary, "NCT Number").
NCT = re.compile(r"NCT\d{8}")
NCT_IN_TEXT = re.compile(r"\bNCT\d{8}\b")
# EudraCT numbers: year, six-digit sequence, check digits (e.g. 2005-002909-23).
EUDRACT = re.compile(r"\d{4}-\d{6}-\d{2}")
# ISRCTN: the UK's register, "ISRCTN" and eight digits (https://www.isrctn.com), as trial finders there cite it.
ISRCTN = re.compile(r"\bISRCTN\d{8}\b")
# A trial id as stored: an NCT id, or a register prefix and that register's own id. Only letters,
# digits and `_.-` after the prefix, so an id is never a path, a query or a control sequence.
TRIAL_ID = re.compile(r"(?:NCT\d{8}|EUCTR\d{4}-\d{6}-\d{2}|ISRCTN\d{8}|(?:GSK|TAKEDA)[A-Za-z0-9][A-Za-z0-9_.-]{0,79})")


def register_id(prefix: str, raw: str) -> str | None:
    """A trial id from a register's own id: the prefix, then the id with anything but `A-Za-z0-9_.-` as "-"."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.")[:80]
    return f"{prefix}{safe}" if safe else None


def is_nct(value: str) -> bool:
    return NCT.fullmatch(value) is not None


def is_trial_id(value: str) -> bool:
    return TRIAL_ID.fullmatch(value) is not None


def first_nct(text: str) -> str | None:
    found = NCT_IN_TEXT.search(text)
    return found.group(0) if found else None
