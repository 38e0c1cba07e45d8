"""A trial's age limits as they admit people: a maximum of "17 Years" admits a patient until their 18th birthday.

Registries state age limits in whole units ("17 Years", "6 Months", "2 Weeks", "28 Days"), and an age in
a unit counts the units completed (someone is 17 from their 17th birthday to the day before their
18th; ClinicalTrials.gov's "Age Limits" data element gives a limit as a number of such units). So a
maximum admits every age within its last unit: "17 Years" admits 17.99, "6 Months" a baby of 6 months
and 3 weeks. A minimum needs its whole value: "18 Years" admits from 18.0.

Records keep a limit only in years (normalize.age_years, 4 decimals), so its unit is read back from the
value, and some values are two limits: 1.0 is "1 Year" and "12 Months", 0.0767 "4 Weeks" and "28 Days".
An ambiguous limit gets the narrower end, never one beyond what either reading admits: a whole number
of years below 3 reads as months ("12 Months" admits until 13 months, and so does "1 Year"), a whole
number of weeks as days ("28 Days" admits until day 29, "12 Weeks" until 12 weeks and a day), and "16
Months", 487 days to the day, as days. Whole years from 3 read as years ("17 Years" admits 17.99):
read as months, "17 Years" would admit a 17-year-old for one month of the year (the real records'
month limits stop at 35 Months). Hours are what is left: at 4 decimals, every day count is an hour
count too, so "48 Hours" reads as 2 days.
"""

from __future__ import annotations

_YEAR = 1.0
_MONTH = 1 / 12
_DAY = 1 / 365.25
_HOUR = 1 / 8766
# The units a limit may be a whole number of, narrowest first (a week is 7 days: read as days). A value
# is n units when it is n units to the 4 decimals normalize.age_years keeps (half their last place of
# rounding, and a little for the float). Whole weeks are whole days and whole years whole months; a
# month count and a day count are either equal (16 months are 487 days) or 0.00017 years apart or more
# (7 months and 213 days), so that no other value reads as two units.
_UNITS = (_DAY, _MONTH, _YEAR)
_KEPT = 0.00005 + 1e-9
# Whole years from this many read as years, not months.
_YEARS_FROM = 3


def unit(limit_years: float) -> float:
    """The unit, in years, a limit was stated in: the narrowest it is a whole number of, but years from
    3 years (hours when it is no whole number of any)."""
    if limit_years >= _YEARS_FROM and limit_years == int(limit_years):
        return _YEAR
    for size in _UNITS:
        count = round(limit_years / size)
        if count >= 1 and abs(limit_years - count * size) <= _KEPT:
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
