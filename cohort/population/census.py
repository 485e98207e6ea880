"""Census 2021 children aged 10-17 by ethnic group and sex, for every local
authority in England and Wales, summed to youth justice services.

ONS mid-year estimates have no ethnicity, so the denominators of
disproportionality measures for real authorities come from the Census: the
shipped table ``census2021_ethnicity_sex_10_17_by_la.csv`` (ONS Census 2021,
dataset RM032; see ``cohort/data/PROVENANCE.md``). It has five ethnic groups
(Asian, Black, Mixed, Other, White), male and female, for the 318 lower-tier
authorities on April 2023 boundaries. Two kinds of area are incomplete and
are never treated as zero:

* **persons only**: Melton (E07000133) and Merthyr Tydfil (W06000024) are
  published without a sex breakdown (``status`` ``sex_aggregated``). Their
  totals by ethnicity are available; by sex they are not.
* **unavailable**: the Isles of Scilly (E06000053) and the City of London
  (E09000001) have no figures.

:func:`census_ethnicity` returns a missing population (and a
:class:`~cohort.exceptions.DataQualityWarning` naming the areas) for any
requested cell that such an area makes incomplete, including a service that
contains one (e.g. Cwm Taf by sex; Tower Hamlets and City of London).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal, get_args

import pandas as pd

from cohort.exceptions import DataQualityWarning
from cohort.population.areas import Areas, _resolve
from cohort.population.files import _shipped
from cohort.population.ons import POPULATION_COLUMNS, _ons_source

_CENSUS_FILE = "census2021_ethnicity_sex_10_17_by_la.csv"
#: The Census day (21 March 2021) is labelled as mid-year 2021.
CENSUS_YEAR = 2021
#: Ethnic groups of the Census table (GSS five-group harmonised standard).
CENSUS_ETHNIC_GROUPS: tuple[str, ...] = ("Asian", "Black", "Mixed", "Other", "White")
_SEX = {"female": "Female", "male": "Male"}

CensusDimension = Literal["ethnicity", "sex"]


@lru_cache(maxsize=1)
def _census_raw() -> pd.DataFrame:
    with _shipped(_CENSUS_FILE).open("rb") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    raw["population_10_17"] = pd.to_numeric(raw["population_10_17"].replace("", None)).astype(
        "Int64"
    )
    raw["sex"] = raw["sex"].map(_SEX).fillna("")
    return raw


def census_table() -> pd.DataFrame:
    """The shipped Census 2021 table as it is (one row per area, group and sex).

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_id`` (ONS code), ``ethnicity``, ``sex`` (``"Female"``,
        ``"Male"``, or ``""`` for the persons-only areas), ``population_10_17``
        (nullable Int64; missing for the unavailable areas), ``n_rows`` and
        ``status`` (``full``, ``sex_aggregated`` or ``unavailable``).

    Examples
    --------
    >>> t = census_table()
    >>> len(t), t["geo_id"].nunique()
    (3152, 318)
    >>> sorted(t.loc[t["status"] != "full", "geo_id"].unique())
    ['E06000053', 'E07000133', 'E09000001', 'W06000024']
    """
    return _census_raw().copy()


def census_ethnicity(
    areas: Areas | None = None,
    by: Iterable[CensusDimension] = ("ethnicity", "sex"),
) -> pd.DataFrame:
    """Children aged 10-17 by ethnic group (and sex) from Census 2021.

    Parameters
    ----------
    areas : str, list of str or dict, optional
        As in :func:`cohort.population.ons`: area codes (``"E08000015"``),
        area names (``"Wirral"``), names of services in the shipped lookup
        (``"Cwm Taf"``, ``"Lancashire"``), or a dict mapping your own name
        to a list of codes or names (summed). Default every lower-tier
        authority. Names are matched against the ONS mid-2022 areas (April
        2023 boundaries, the Census table's geography).
    by : iterable of {"ethnicity", "sex"}, default ("ethnicity", "sex")
        Breakdowns to keep; the others are summed (``ethnicity`` and ``sex``
        become ``"All"``).

    Returns
    -------
    pandas.DataFrame
        The ``population`` table layout (:data:`~cohort.population.POPULATION_COLUMNS`),
        so it can be passed wherever a population table is expected:

        * ``authority_code`` -- ONS code, or the sorted member codes joined
          with ``+`` for a group of areas;
        * ``authority_name`` -- the ONS name, or the name you asked for;
        * ``mid_year`` -- 2021 (Census day, 21 March 2021);
        * ``age`` -- <NA> (ages 10-17 together);
        * ``sex`` -- ``"Female"``, ``"Male"``, or ``"All"``;
        * ``ethnicity`` -- ``"Asian"``, ``"Black"``, ``"Mixed"``, ``"Other"``,
          ``"White"``, or ``"All"``;
        * ``population`` -- nullable Int64; **missing** where an area in the
          cell has no figure (unavailable areas) or no figure by sex
          (persons-only areas when ``sex`` is in ``by``).

        Rows are in the order of ``areas`` (else by code), then sex, then
        ethnicity.

    Warns
    -----
    DataQualityWarning
        Naming each persons-only or unavailable area that leaves cells
        missing.

    Raises
    ------
    ValueError
        Unknown ``by``; an area not found (with suggestions); an area that is
        not a lower-tier authority (counties and regions are not in the
        Census table: pass their districts or a service name).

    Notes
    -----
    Counts are the published Census 2021 figures (dataset RM032, summed over
    its three age rows for 10-17), which ONS perturbs slightly for
    disclosure control; they are full counts, not samples, so rates and
    shares that divide by them treat them as fixed. Validated against the
    published figures: Sefton (E08000014) Asian 431, Black 201, Mixed 814,
    Other 258, White 22,722; Wirral's non-White share 8.5% (the inspection's
    "just under nine per cent"); the sum over every authority equals the
    England and Wales row of each group (``tests/test_census.py``).

    References
    ----------
    Office for National Statistics (2023). *Census 2021: ethnic group by
    sex by age (RM032)*. Open Government Licence v3.0.

    Examples
    --------
    >>> p = census_ethnicity(["Sefton"], by=("ethnicity",))
    >>> p[["ethnicity", "population"]].to_string(index=False)
    'ethnicity  population\\n    Asian         431\\n    Black         201\\n    Mixed         814\\n    Other         258\\n    White       22722'
    >>> w = census_ethnicity("Wirral", by=("ethnicity",)).set_index("ethnicity")["population"]
    >>> round(float(1 - w["White"] / w.sum()), 3)
    0.085
    """
    by_set = [by] if isinstance(by, str) else list(by)
    valid = get_args(CensusDimension)
    bad = [b for b in by_set if b not in valid]
    if bad:
        raise ValueError(f"by may contain {', '.join(map(repr, valid))}; got {bad!r}.")
    raw = _census_raw()
    known = set(raw["geo_id"])
    if areas is None:
        groups = pd.DataFrame(
            {"area_code": sorted(known), "authority_code": sorted(known), "order": 0}
        )
        names = _area_names()
        groups["authority_name"] = groups["area_code"].map(names)
    else:
        ons = _ons_source(None)
        groups = _resolve(areas, ons, [2022]).drop(columns="mid_year")
        outside = sorted(set(groups["area_code"]) - known)
        if outside:
            names = _area_names(all_geographies=True)
            listed = ", ".join(f"{c} {names.get(c, '')}".strip() for c in outside)
            raise ValueError(
                f"{listed} is not a lower-tier authority: the Census 2021 table has districts, "
                "unitary authorities, metropolitan districts and London boroughs only. "
                "Pass its districts, or a service name such as 'Lancashire'."
            )
    cells = groups.merge(raw, left_on="area_code", right_on="geo_id", how="left")

    # areas that cannot give a full count for the cells asked for
    unavailable = cells.loc[cells["status"] == "unavailable", "area_code"].unique()
    persons = cells.loc[cells["status"] == "sex_aggregated", "area_code"].unique()
    incomplete = set(unavailable) | (set(persons) if "sex" in by_set else set())
    names = _area_names()
    if len(unavailable):
        warnings.warn(
            "Census 2021 has no figures for "
            + ", ".join(f"{names.get(c, c)} ({c})" for c in sorted(unavailable))
            + "; populations that include them are missing, not zero.",
            DataQualityWarning,
            stacklevel=2,
        )
    if "sex" in by_set and len(persons):
        warnings.warn(
            "Census 2021 publishes "
            + ", ".join(f"{names.get(c, c)} ({c})" for c in sorted(persons))
            + " for persons only (no sex breakdown); populations by sex that include them "
            "are missing, not zero. Use by=('ethnicity',) for their totals.",
            DataQualityWarning,
            stacklevel=2,
        )

    dims = [d for d in ("sex", "ethnicity") if d in by_set]
    usable = cells[cells["status"] != "unavailable"]
    if "sex" in by_set:
        usable = usable[usable["status"] != "sex_aggregated"]
    keys = ["order", "authority_code", "authority_name", *dims]
    out = usable.groupby(keys, sort=False, dropna=False)["population_10_17"].sum()
    out = out.rename("population").reset_index()
    # the full grid of cells for every requested group, missing where incomplete
    grid = groups[["order", "authority_code", "authority_name"]].drop_duplicates()
    levels = {"sex": ["Female", "Male"], "ethnicity": list(CENSUS_ETHNIC_GROUPS)}
    for d in dims:
        grid = grid.merge(pd.DataFrame({d: levels[d]}), how="cross")
    out = grid.merge(out, on=keys, how="left")
    bad_groups = set(groups.loc[groups["area_code"].isin(incomplete), "authority_code"])
    out["population"] = out["population"].astype("Int64")
    out.loc[out["authority_code"].isin(bad_groups), "population"] = pd.NA
    out = out.sort_values(["order", "authority_code", *dims], kind="stable")
    out["mid_year"] = CENSUS_YEAR
    out["age"] = pd.array([pd.NA] * len(out), dtype="Int64")
    for d in ("sex", "ethnicity"):
        if d not in dims:
            out[d] = "All"
    out = out.loc[:, list(POPULATION_COLUMNS)].reset_index(drop=True)
    return out.astype({"mid_year": "int64", "population": "Int64"})


@lru_cache(maxsize=2)
def _area_names(all_geographies: bool = False) -> dict[str, str]:
    ons = _ons_source(None)
    ons = ons[ons["mid_year"] == 2022] if not all_geographies else ons
    return dict(zip(ons["area_code"], ons["area_name"], strict=False))
