"""Denominators: ONS mid-year estimates of children aged 10-17.

Rates per 100,000 (first time entrants) or per 1,000 (custody, YJB local
tables) need the right population *and the right year of it*. This module
ships the ONS estimates (see ``cohort/data/PROVENANCE.md``), returns them in
the ``population`` table of the data model, sums districts to youth justice
services, and states which mid-year estimate goes with which period.

Which mid-year estimate?
------------------------
The published figures reproduce only with a one-year lag:

* **Calendar year** Y uses **mid-(Y-1)**. First time entrant rates for
  calendar 2022 use mid-2021 and 2023 use mid-2022 (e.g. Sefton 2022:
  35 / 24,412 x 100,000 = 143, as published). Tested against seven North West
  services, both years, for FTE and custody rates.
* **Financial year** Y/Y+1 uses **mid-Y**, the estimate for the year the
  financial year starts. The YJB's local table for 2021-22 reproduces exactly
  with mid-2021 for all 133 of its 154 services that can be built from the
  shipped mid-2021 districts (Cornwall with the Isles of Scilly; the other 21
  are two-tier counties), and for none with mid-2022; only 1 of its 2020-21
  populations equals mid-2021 (2020-21 used an earlier estimate).

Both are one rule, the default ``convention="previous_mid_year"``: use the
estimate for the calendar year *before the one in which the period ends*
(financial years and ``Q-MAR`` quarters are named by their end year too).
``"same_mid_year"`` uses the year in which the period ends; it does not
reproduce the published figures.

Examples
--------
>>> from cohort.population import total_10_17
>>> pop = total_10_17(mid_year=2021, areas=["Sefton", "St Helens"])
>>> pop[["authority_code", "authority_name", "population"]]
  authority_code authority_name  population
0      E08000014         Sefton       24412
1      E08000013      St Helens       16768
>>> round(35 / 24412 * 100_000)
143
"""

from __future__ import annotations

from cohort.population.areas import service_areas
from cohort.population.authorities import UnknownAuthorityError, authorities_table, population_table
from cohort.population.census import CENSUS_ETHNIC_GROUPS, census_ethnicity, census_table
from cohort.population.for_period import population_for_period
from cohort.population.ons import ONS_COLUMNS, POPULATION_COLUMNS, load_ons_file, ons, total_10_17
from cohort.population.yjb import yjb_service_table

__all__ = [
    "CENSUS_ETHNIC_GROUPS",
    "ONS_COLUMNS",
    "POPULATION_COLUMNS",
    "census_ethnicity",
    "census_table",
    "UnknownAuthorityError",
    "authorities_table",
    "load_ons_file",
    "ons",
    "population_for_period",
    "population_table",
    "service_areas",
    "total_10_17",
    "yjb_service_table",
]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
