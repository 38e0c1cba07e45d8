"""A trial's age limits as they admit people: a maximum of "17 Years" admits a patient until their 18th birthday.

Registries state age limits in whole units ("17 Years", "6 Months", "2 Weeks", "28 Days"), and an age in
a unit counts the units completed (someone is 17 from their 17th birthday to the day before their
18th; ClinicalTrials.gov's "Age Limits" data element gives a limit as a number of such units). So a
maximum admits every age within its last unit: "17 Years" admits 17.99, "6 Months" a baby of 6 months
and 3 weeks. A minimum needs its whole value: "18 Years" admits from 18.0. Records keep a limit in
years (normalize.age_years), and the unit is read back from that value.
"""

from __future__ import annotations

# (unit in years, how close to a whole number of it a limit must be) in the order tried: the registry's
# units as normalize.age_years converts them, whose 4 decimals leave a month, week or day count within
# these margins. A limit that is a whole number of years reads as years, so "24 Months" (2.0) would
# admit until 3 (the real records have no such month limits: 1, 4, 15, 26 and 35 months); "28 Days"
# reads as 4 weeks.
_UNITS = ((1.0, 1e-9), (1 / 12, 0.01), (7 / 365.25, 0.01), (1 / 365.25, 0.02))
_HOUR = 1 / 8766


def unit(limit_years: float) -> float:
    """The unit, in years, a limit was stated in (hours when it is no whole number of a larger one)."""
    for size, margin in _UNITS:
        count = limit_years / size
        if count >= 1 - margin and abs(count - round(count)) <= margin:
            return size
    return _HOUR


def upper_end(max_years: float) -> float:
    """The age from which a maximum no longer admits: the end of its last unit ("17 Years": 18). Counted
    in whole units, so that the 4 decimals the limit was kept to do not move it ("12 Weeks" is 0.23)."""
    size = unit(max_years)
    return (round(max_years / size) + 1) * size


def admits(min_years: float | None, max_years: float | None, age: float) -> bool:
    """Whether a patient of `age` (years, fractions too) is within the limits (None: no limit)."""
    return (min_years is None or age >= min_years) and (max_years is None or age < upper_end(max_years))
