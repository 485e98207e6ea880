"""Authorities and their 10-17 populations for a real service's store.

A case-management extract names its authorities by ONS (GSS) code; it rarely
carries an ``authorities`` or ``population`` table. :func:`authorities_table`
and :func:`population_table` build both from the shipped reference data:
names and years from the ONS mid-year estimates, the region from the YJB's
service table, and the youth justice service from ``yjs_areas.csv`` for
services that cover several authorities.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pandas as pd

from cohort.population.areas import _CODE_RE, _norm, service_areas
from cohort.population.ons import Source, _ons_source, ons
from cohort.population.yjb import yjb_service_table

__all__ = ["UnknownAuthorityError", "authorities_table", "population_table"]

#: Regions of the three upper-tier authorities whose name is not a service name
#: in the YJB table: Rutland is served with Leicestershire, Worcestershire by
#: West Mercia, the Isles of Scilly with Cornwall.
_REGION_SUPPLEMENT = {"E06000017": "East Midlands", "E10000034": "West Midlands", "E06000053": "South West"}
#: Geographies that run a youth justice service (upper-tier authorities).
_UPPER_TIER = {"Unitary Authority", "Metropolitan District", "London Borough", "County"}


class UnknownAuthorityError(ValueError):
    """An authority code that is not an upper-tier authority in the shipped estimates."""


def _areas(source: Source = None) -> pd.DataFrame:
    src = _ons_source(source)
    latest = src.sort_values("mid_year").drop_duplicates("area_code", keep="last")
    return latest[["area_code", "area_name", "geography", "mid_year"]].reset_index(drop=True)


def _check_codes(codes: list[str], areas: pd.DataFrame) -> None:
    known = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    geo = dict(zip(areas["area_code"], areas["geography"], strict=True))
    problems = []
    for code in codes:
        if code.startswith("X"):
            problems.append(f"{code!r} is a synthetic (fictional) authority code: a real service's store "
                            "uses ONS codes such as E08000014 (Sefton)")
        elif code not in known:
            near = difflib.get_close_matches(code, list(known), n=3, cutoff=0.7)
            hint = "; close codes: " + ", ".join(f"{c} {known[c]}" for c in near) if near else ""
            what = "not an ONS code" if not _CODE_RE.match(code) else "not a local authority in the shipped ONS estimates (mid-2021 to mid-2023, April 2023 boundaries)"
            problems.append(f"{code!r} is {what}{hint}")
        elif geo.get(code) and geo[code] not in _UPPER_TIER:
            problems.append(f"{code!r} ({known[code]}) is a {geo[code].lower()}, not the council that runs a "
                            "youth justice service: use the code of the county or unitary authority")
    if problems:
        raise UnknownAuthorityError("unknown authority code(s):\n  - " + "\n  - ".join(problems))


def authorities_table(codes: Iterable[str], *, source: Source = None) -> pd.DataFrame:
    """The ``authorities`` table for real authorities given by ONS code.

    Parameters
    ----------
    codes : iterable of str
        ONS codes of upper-tier authorities (E06 unitary, E08 metropolitan
        district, E09 London borough, E10 county, W06 Welsh unitary).
    source : DataFrame or path, optional
        ONS estimates in the published layout (default: the shipped ones);
        names are taken from the latest mid-year holding each code.

    Returns
    -------
    pandas.DataFrame
        Columns of the data model's ``authorities`` table:
        ``authority_code``, ``authority_name`` (the ONS name),
        ``region`` (from the YJB service table), ``police_force_area``
        (missing: not shipped), ``yjs_code`` and ``yjs_name`` (the service:
        from ``yjs_areas.csv`` for services covering several authorities,
        whose code joins their members' codes with ``+``; else the authority
        itself), ``comparison_group`` (the region, so that a service is set
        beside the other services of its region until you name statistical
        neighbours) and ``synthetic`` (False).

    Raises
    ------
    UnknownAuthorityError
        A code that is synthetic, unknown (listing close codes) or a lower-tier
        district.

    Examples
    --------
    >>> t = authorities_table(["E08000015", "E06000006"])
    >>> t[["authority_code", "authority_name", "region", "yjs_name"]].to_string(index=False)
    'authority_code authority_name     region                                            yjs_name\\n     E08000015         Wirral North West                                              Wirral\\n     E06000006         Halton North West Cheshire East, Cheshire West, Halton and Warrington'
    >>> authorities_table(["E08000041"])
    Traceback (most recent call last):
    ...
    cohort.population.authorities.UnknownAuthorityError: unknown authority code(s):
      - 'E08000041' is not a local authority in the shipped ONS estimates (mid-2021 to mid-2023, April 2023 boundaries); close codes: ...
    """
    codes = list(dict.fromkeys(str(c) for c in codes))
    areas = _areas(source)
    _check_codes(codes, areas)
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    yjb = yjb_service_table()
    region_of = {_norm(s): r for s, r in zip(yjb["service"].dropna(), yjb.loc[yjb["service"].notna(), "region"], strict=True)}
    sa = service_areas()
    sa = sa[sa["kind"] == "yjs"]
    services: dict[str, tuple[str, str]] = {}
    for name, g in sa.groupby("name"):
        members = sorted(set(g["area_code"]))
        for c in members:
            services[c] = ("+".join(members), str(name))
    rows = []
    for code in codes:
        name = names[code]
        yjs_code, yjs_name = services.get(code, (code, name))
        region = (region_of.get(_norm(name)) or region_of.get(_norm(yjs_name))
                  or _REGION_SUPPLEMENT.get(code) or ("Wales" if code.startswith("W") else "Unknown"))
        rows.append({
            "authority_code": code, "authority_name": name, "region": region,
            "police_force_area": None, "yjs_code": yjs_code, "yjs_name": yjs_name,
            "comparison_group": region, "synthetic": False,
        })
    out = pd.DataFrame(rows)
    out["synthetic"] = out["synthetic"].astype("boolean")
    return out


def population_table(codes: Iterable[str], *, source: Source = None) -> pd.DataFrame:
    """The ``population`` table (10-17 by single year of age and sex) for real authorities.

    Every mid-year of ``source`` (default: the shipped mid-2021, mid-2022
    and mid-2023 estimates) that holds the authority is included; a county
    that mid-2021 holds only as districts is summed from them where the
    shipped ``yjs_areas.csv`` lists its districts (Lancashire, Cumbria),
    else that year is left out (rates then use the nearest year and say so).

    Returns
    -------
    pandas.DataFrame
        ``authority_code``, ``mid_year``, ``age``, ``sex`` (Female/Male),
        ``ethnicity`` ("All") and ``population``.

    Examples
    --------
    >>> p = population_table(["E08000014"])
    >>> p.groupby("mid_year")["population"].sum().tolist()
    [24412, 24653, 25073]
    """
    codes = list(dict.fromkeys(str(c) for c in codes))
    src = _ons_source(source)
    _check_codes(codes, _areas(src))
    names = _areas(src).set_index("area_code")["area_name"]
    service_names = {_norm(n): n for n in service_areas()["name"]}
    frames = []
    for year in sorted(int(y) for y in src["mid_year"].unique()):
        for code in codes:
            try:
                part = ons(mid_year=year, areas=[code], source=src)
            except ValueError:
                service = service_names.get(_norm(names[code]))
                if service is None:
                    continue
                try:
                    part = ons(mid_year=year, areas=[service], source=src)
                except ValueError:
                    continue
            frames.append(part.assign(authority_code=code))
    out = pd.concat(frames, ignore_index=True)
    out = out[["authority_code", "mid_year", "age", "sex", "ethnicity", "population"]]
    return out.astype({"mid_year": "Int64", "age": "Int64", "population": "Int64"}).reset_index(drop=True)
