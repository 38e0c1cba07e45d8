"""Normalisers shared by every parser: dates, ages, registry enums, phases, whitespace."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime

from indexer import patterns
from indexer.folding import fold as fold  # re-exported: where the text normalisers are looked for


def lazy_pattern(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """`re.compile(pattern, flags)`, compiled at the first call rather than at import: Python takes
    0.1-0.5 ms to compile one, and most commands use few of a module's patterns (these modules' took
    3 ms of every search's start). Each later call returns the compiled pattern (50 ns)."""
    return functools.cache(lambda: patterns.compile(pattern, flags))


_MONTHS = {
    m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                "september", "october", "november", "december"], start=1)
}  # fmt: skip
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_iso_re = lazy_pattern(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_long_re = lazy_pattern(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_dmy_re = lazy_pattern(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_numeric_dmy_re = lazy_pattern(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def iso_date(text: str | None) -> str | None:
    """ISO date keeping the source's precision: "March 2020" -> "2020-03".

    Accepts ISO (2019-09, 2019-09-10), "September 10, 2019", "10 September 2019" and
    day-first "10/09/2019" (the European registers' order; "12/31/2024", which can only be month-first,
    as US sites write it). Unparseable text gives None.
    """
    if not text:
        return None
    # Dates repeat (every record of a registry export has a handful): parsed once per distinct text.
    return _iso_date_cached(text) if type(text) is str else _iso_date(text)


def _iso_date(text: str) -> str | None:
    s = text.strip()
    if m := _iso_re().match(s):
        y, mo, d = m.groups()
        return _fmt(int(y), int(mo) if mo else None, int(d) if d else None)
    if m := _long_re().match(s):
        mon = _MONTHS.get(m.group(1).lower())
        if mon:
            return _fmt(int(m.group(3)), mon, int(m.group(2)) if m.group(2) else None)
    if m := _dmy_re().match(s):
        mon = _MONTHS.get(m.group(2).lower())
        if mon:
            return _fmt(int(m.group(3)), mon, int(m.group(1)))
    if m := _numeric_dmy_re().match(s):
        first, second = int(m.group(1)), int(m.group(2))
        if second > 12 >= first:  # "12/31/2024" can only be month first: as US trial finders write dates
            first, second = second, first
        return _fmt(int(m.group(3)), second, first)
    return None


_iso_date_cached = functools.lru_cache(maxsize=16384)(_iso_date)


def _fmt(year: int, month: int | None, day: int | None) -> str | None:
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


_age_re = lazy_pattern(r"^\s*(\d+(?:\.\d+)?)\s*(year|yr|month|mo|week|wk|day|hour|hr|minute|min)s?\b", re.I)
_UNIT_YEARS = {
    "year": 1.0,
    "yr": 1.0,
    "month": 1 / 12,
    "mo": 1 / 12,
    "week": 7 / 365.25,
    "wk": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / 8766,
    "hr": 1 / 8766,
    "minute": 1 / 525960,
    "min": 1 / 525960,
}


def age_years(text: str | None) -> float | None:
    """Age limit in years: "18 Years" -> 18, "6 Months" -> 0.5; "N/A" or none -> None."""
    if not text:
        return None
    return _age_years_cached(text) if type(text) is str else _age_years(text)


def _age_years(text: str) -> float | None:
    m = _age_re().match(text)
    if not m:
        return None
    years = float(m.group(1)) * _UNIT_YEARS[m.group(2).lower()]
    return round(years, 4) if years != int(years) else float(int(years))


_age_years_cached = functools.lru_cache(maxsize=4096)(_age_years)


def enum_value(text: str | None) -> str | None:
    """Legacy display text to the API v2 enum style: "Parallel Assignment" -> "PARALLEL_ASSIGNMENT"."""
    if text is None:
        return None
    return _enum_value(text) if type(text) is str else _enum_text(text)


def _enum_text(text: str) -> str | None:
    s = _not_enum_re().sub("_", text.strip()).strip("_").upper()
    return s or None


_not_enum_re = lazy_pattern(r"[^A-Za-z0-9]+")
# A few dozen labels (statuses, roles, design values) on every site and person: each worked out once.
_enum_value = functools.lru_cache(maxsize=4096)(_enum_text)


# Legacy XML labels whose API v2 enum is not their mechanical upper-casing.
_STATUS = {"UNKNOWN_STATUS": "UNKNOWN"}
_DESIGN = {
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    "N_A": "NA",
}
_ENROLLMENT_TYPE = {"ANTICIPATED": "ESTIMATED"}


def status(text: str | None) -> str | None:
    """Overall or site recruitment status as the API v2 enum ("Unknown status" -> UNKNOWN)."""
    value = enum_value(text)
    return _STATUS.get(value, value) if value else None


def design_value(text: str | None) -> str | None:
    value = enum_value(text)
    return _DESIGN.get(value, value) if value else None


# Older labels for what the API calls NONE, SINGLE, DOUBLE.
_MASKING = {"OPEN_LABEL": "NONE", "NO_MASKING": "NONE", "SINGLE_BLIND": "SINGLE", "DOUBLE_BLIND": "DOUBLE"}
_MASKING_LEVELS = {1: "SINGLE", 2: "DOUBLE", 3: "TRIPLE", 4: "QUADRUPLE"}
_MASKED_ROLES = ("participant", "subject", "care provider", "caregiver", "investigator", "outcomes assessor")


def masking(text: str | None) -> str | None:
    """The masking level: "Quadruple (Participant, ...)" -> QUADRUPLE; "Open Label" -> NONE.

    Some exports list only the masked roles ("Participant, Outcomes Assessor"): their count is the level.
    """
    if not text or not text.strip():
        return None
    value = enum_value(text.split("(")[0])
    if value in _MASKING:
        return _MASKING[value]
    roles = [r.strip().lower() for r in text.split(",")]
    if roles and all(r in _MASKED_ROLES for r in roles):
        return _MASKING_LEVELS.get(len(roles), value)
    return value


def enrollment_type(text: str | None) -> str | None:
    value = enum_value(text)
    return _ENROLLMENT_TYPE.get(value, value) if value else None


def study_type(text: str | None) -> str | None:
    """ "Observational [Patient Registry]" -> OBSERVATIONAL."""
    if not text:
        return None
    return enum_value(text.split("[")[0])


# "Phase 2", "Phase 1/Phase 2", and as other registries write it: "Phase 2/3", "Phase 1b/2", "Phase II/III".
_PHASE_NUMBER = r"(?:[0-4]|iv|i{1,3})[ab]?\b"
_phase_re = lazy_pattern(
    rf"(early\s*phase\s*1|phase\s*{_PHASE_NUMBER}(?:\s*/\s*(?:phase\s*)?{_PHASE_NUMBER})*|n/?a)", re.I
)
_PHASE_PART = patterns.compile(r"iv|i{1,3}|[0-4]", re.I)
_ROMAN_PHASE = {"I": "1", "II": "2", "III": "3", "IV": "4"}


def phases(text: str | None) -> tuple[str, ...]:
    """ "Phase 1/Phase 2" -> ("PHASE1", "PHASE2"); "N/A" -> ("NA",); "Early Phase 1" -> ("EARLY_PHASE1",)."""
    if not text:
        return ()
    out: list[str] = []
    for m in _phase_re().finditer(text):
        token = re.sub(r"\s+", "", m.group(1).upper())
        if token.startswith("EARLY"):
            value = "EARLY_PHASE1"
        elif token.replace("/", "") == "NA":
            value = "NA"
        else:
            for part in _PHASE_PART.findall(token.removeprefix("PHASE").replace("PHASE", "")):
                value = f"PHASE{_ROMAN_PHASE.get(part.upper(), part)}"
                if value not in out:
                    out.append(value)
            continue
        if value not in out:
            out.append(value)
    return tuple(out)


# The values `--status` and `--phase` (and the web app's `status`, `phase`) accept, as stored.
STATUSES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING",
    "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
    "ONGOING", "RESTARTED",  # the EU register's: running, whether it recruits is not said (euctr.py)
)  # fmt: skip
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")


# A participant's sex as people type it (any case); the web's pattern is made from it (filter_values.py).
SEX_SPELLINGS = {"F": ("F", "FEMALE", "W", "WOMAN"), "M": ("M", "MALE", "MAN")}


def sex_letter(text: str) -> str:
    """A participant's sex as typed ("F", "female", "woman", any case) to F or M; ValueError otherwise."""
    t = text.strip().upper()
    for letter, spellings in SEX_SPELLINGS.items():
        if t in spellings:
            return letter
    raise ValueError(f"{text!r} is not a sex; use F, M, female or male (any case)")


def sex(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip().upper()
    return {"BOTH": "ALL", "F": "FEMALE", "M": "MALE"}.get(t, t)


def yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    t = text.strip().lower()
    if t in {"yes", "true", "accepts healthy volunteers"}:
        return True
    if t in {"no", "false"}:
        return False
    return None


_paragraph_re = lazy_pattern(r"\n\s*\n")


def clean_text(text: str | None) -> str | None:
    """Collapse the legacy XML's hard-wrapped, indented text blocks, keeping paragraph breaks."""
    if text is None:
        return None
    paragraphs = _paragraph_re().split(text.strip())
    out = "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
    return out or None


def place_key(text: str) -> str:
    """A place name for look-ups: folded, lower case, punctuation as single spaces."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text).lower()).split())
