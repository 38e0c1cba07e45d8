"""The filters the CLI and the web app share (status, phase, sex), as people type them.

One reader for both, so that `trials search --status any` and `/search?status=any` mean the same
thing, and a spelling one of them takes the other takes too. Each side adds only its own limits
(the web's bounds on how many values and how long) and its own way of saying a value is wrong
(click's usage error, the web's 422)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from indexer import normalize

# `any` among the statuses asked for: no status filter. The web page's "All, including finished" sends it;
# it also overrides a command's default statuses (`trials match`: those a patient can join).
ANY = "any"

# The values help texts and the OpenAPI document list. The readers take more: any case, registry
# labels ("Not yet recruiting", "Active, not recruiting"), "phase 2", "II", "1/2", "woman".
STATUS_VALUES = (*(s.lower() for s in normalize.STATUSES), ANY)
PHASE_VALUES = ("early1", "1", "2", "3", "4", "na")
SEX_VALUES = ("F", "M", "female", "male")


def _given(values: Iterable[str]) -> list[str]:
    # A blank value says nothing: an empty form field, or a script's `--status "$S"` with S unset.
    return [v.strip() for v in values if v.strip()]


def statuses(values: Iterable[str], default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Statuses as typed (repeated or comma-separated) as stored enums; none given: `default`; `any`
    among them: () (no filter). ValueError names the value that is no status."""
    given = _given(values)
    if not given:
        return default
    if any(part.strip().lower() == ANY for v in given for part in v.split(",")):  # "any,recruiting" too
        return ()
    out: list[str] = []
    for v in given:
        # A registry label holds a comma ("Active, not recruiting"): read whole before split.
        whole = normalize.status(v)
        out.extend((whole,) if whole in normalize.STATUSES else status_filters([v]))
    return tuple(dict.fromkeys(out))


def phases(values: Iterable[str]) -> tuple[str, ...]:
    """Phases as typed ("2", "phase 2", "II", "1/2", "early1", "n/a"; repeated or comma-separated) as
    stored enums; ValueError names the value that is no phase."""
    return phase_filters(_given(values))


def sex(value: str | None) -> str | None:
    """F or M from F, M, female, male, woman, man (any case, spaces around); blank: None."""
    if value is None or not value.strip():
        return None
    return normalize.sex_letter(value)


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


# What `sex` reads, as a JSON-schema pattern (no inline flags there), so the OpenAPI document says
# what the server takes: every spelling of normalize.SEX_SPELLINGS, spaces around, or blank.
SEX_PATTERN = (
    r"^\s*(" + "|".join(_any_case(w) for spellings in normalize.SEX_SPELLINGS.values() for w in spellings) + r")?\s*$"
)


def _filters(
    values: Iterable[str], parse: Callable[[str], str | None], allowed: tuple[str, ...], what: str
) -> tuple[str, ...]:
    out = []
    for value in values:
        for v in value.split(","):
            parsed = parse(v)
            if parsed not in allowed:
                raise ValueError(f"{v!r} is not {what}")
            out.append(parsed)
    return tuple(out)


def status_filters(values: Iterable[str]) -> tuple[str, ...]:
    """User status input (repeated or comma-separated, any case) to stored enums; ValueError names a bad one."""
    return _filters(
        values, normalize.status, normalize.STATUSES, f"a status; use one of {', '.join(normalize.STATUSES)}"
    )


def phase_filters(values: Iterable[str]) -> tuple[str, ...]:
    """User phase input (repeated or comma-separated; "1/2" is both) to stored enums; ValueError names a bad one."""
    both = [part for value in values for part in _split_phases(value)]
    return tuple(dict.fromkeys(_filters(both, phase_filter, normalize.PHASES, "a phase; use 1, 2, 3, 4, early1 or na")))


def _split_phases(value: str) -> list[str]:
    # "1/2", "I/II", "phase 2/3" name two phases; "n/a" is one answer.
    return [value] if re.fullmatch(r"\s*n\s*/\s*a\s*", value, re.IGNORECASE) else value.split("/")


_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}


def phase_filter(text: str) -> str:
    """User phase input ("2", "phase 2", "II", "early1", "na") to the stored enum."""
    t = re.sub(r"[\s_]+", "", text.strip().upper())
    if t in {"NA", "N/A"}:
        return "NA"
    if t.startswith("EARLY"):
        return "EARLY_PHASE1"
    t = t.removeprefix("PHASE")
    return f"PHASE{_ROMAN.get(t, t)}"
