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
>>> pop = total_10_17(mid_year=2021, areas=["Sefton", "St Helens"])
>>> pop[["authority_code", "authority_name", "population"]]
  authority_code authority_name  population
0      E08000014         Sefton       24412
1      E08000013      St Helens       16768
>>> round(35 / 24412 * 100_000)
143
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources import files
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort import periods
from cohort.exceptions import ValidationError

__all__ = [
    "ONS_COLUMNS",
    "POPULATION_COLUMNS",
    "load_ons_file",
    "ons",
    "population_for_period",
    "service_areas",
    "total_10_17",
    "yjb_service_table",
]

#: Columns of the published ONS layout read by :func:`load_ons_file`.
ONS_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "geography",
    "mid_year",
    "sex",
    "age",
    "population",
)

#: Columns returned by :func:`ons` (the ``population`` table plus ``authority_name``).
POPULATION_COLUMNS: tuple[str, ...] = (
    "authority_code",
    "authority_name",
    "mid_year",
    "age",
    "sex",
    "ethnicity",
    "population",
)

_ONS_FILE = "ons_population_10_17.csv"
_YJB_FILE = "yjb_service_children_offences_outcomes_2020_2022.csv"
_AREAS_FILE = "yjs_areas.csv"
_SEX_LABELS = {"F": "Female", "M": "Male"}
_AGES = tuple(range(10, 18))
_CODE_RE = re.compile(r"^[EWSNK]\d{8}$")

ByDimension = Literal["age", "sex"]
PeriodKind = Literal["calendar_year", "financial_year", "rolling_12m", "quarter"]
Convention = Literal["previous_mid_year", "same_mid_year"]
Areas = str | Sequence[str] | Mapping[str, Sequence[str]]
Source = pd.DataFrame | str | os.PathLike[str] | None


# ---------------------------------------------------------------- reading


def _shipped(name: str):
    return files("cohort.data").joinpath(name)


def _read_csv(source) -> pd.DataFrame:
    """Read a CSV as text columns (blank stays blank, "NA" stays "NA")."""
    if isinstance(source, str | os.PathLike):
        return pd.read_csv(source, dtype=str, keep_default_na=False)
    with source.open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _problem(file: str, rows, column: str, values, rule: str, message: str) -> pd.DataFrame:
    rows = list(rows)
    return pd.DataFrame(
        {
            "file": file,
            "sheet": None,
            "table": "population",
            "row": rows,
            "column": column,
            "value": list(values) if values is not None else [None] * len(rows),
            "rule": rule,
            "message": message,
        }
    )


def _validate_ons(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Check a frame in the published ONS layout; return it typed, or raise."""
    missing = [c for c in ONS_COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in ONS_COLUMNS]
    if missing or extra:
        probs = [
            _problem(file, [None], c, None, "required_column", "column missing") for c in missing
        ]
        probs += [
            _problem(
                file,
                [None],
                c,
                None,
                "unexpected_column",
                "not in the ONS layout " + ", ".join(ONS_COLUMNS),
            )
            for c in extra
        ]
        raise ValidationError(pd.concat(probs, ignore_index=True))
    df = raw.loc[:, list(ONS_COLUMNS)].astype(str)
    for c in ONS_COLUMNS:
        df[c] = df[c].str.strip()
    row = np.arange(1, len(df) + 1)
    probs: list[pd.DataFrame] = []

    def check(mask: pd.Series, column: str, rule: str, message: str) -> None:
        m = mask.to_numpy(dtype=bool)
        if m.any():
            probs.append(_problem(file, row[m], column, df[column].to_numpy()[m], rule, message))

    check(
        ~df["area_code"].str.fullmatch(_CODE_RE.pattern),
        "area_code",
        "pattern",
        "not a GSS area code like E08000014",
    )
    check(df["area_name"] == "", "area_name", "required", "area name is blank")
    ints = {}
    for c, lo, hi in (("mid_year", 1990, 2100), ("age", 10, 17), ("population", 0, None)):
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna() | (num != num.round())
        check(bad, c, "type", "not a whole number")
        out = ~bad & ((num < lo) | ((num > hi) if hi is not None else False))
        check(out, c, "range", f"outside {lo}-{hi}" if hi is not None else f"below {lo}")
        ints[c] = num
    check(~df["sex"].isin(list(_SEX_LABELS)), "sex", "codelist", "sex must be F or M")
    if not probs:
        typed = df.assign(**{c: v.astype("int64") for c, v in ints.items()})
        key = ["area_code", "mid_year", "sex", "age"]
        dup = typed.duplicated(key, keep="first")
        check(dup, "area_code", "unique", "duplicate area_code x mid_year x sex x age")
        cells = typed.drop_duplicates(key).groupby(["area_code", "mid_year"]).size()
        short = cells[cells != len(_SEX_LABELS) * len(_AGES)]
        incomplete = pd.MultiIndex.from_frame(typed[["area_code", "mid_year"]]).isin(short.index)
        check(
            pd.Series(incomplete, index=typed.index) & ~dup,
            "area_code",
            "complete",
            "area and year lack some of the 16 sex x age cells (F/M x ages 10-17)",
        )
        names = typed.groupby(["area_code", "mid_year"])["area_name"].transform("nunique")
        check(names > 1, "area_name", "consistent", "area code has several names in one mid-year")
    if probs:
        raise ValidationError(pd.concat(probs, ignore_index=True))
    return typed.reset_index(drop=True)


def load_ons_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate an ONS population file in the shipped layout.

    Use it to bring in a newer mid-year estimate (e.g. mid-2023) prepared in
    the same layout as ``cohort/data/ons_population_10_17.csv``; pass the
    result to :func:`ons` as ``source=`` (alone, or concatenated with
    ``load_ons_file`` of the shipped file).

    Parameters
    ----------
    path : str or path-like
        CSV with exactly the columns :data:`ONS_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        The file in the published layout, ``mid_year``, ``age`` and
        ``population`` as int64, ``sex`` as ``F``/``M``.

    Raises
    ------
    cohort.ValidationError
        Listing every problem (column, row, value, rule): missing or extra
        columns, codes that are not GSS codes, ages outside 10-17, negative
        or fractional counts, sex other than F/M, duplicate cells, areas
        lacking some of their 16 sex x age cells, codes with two names.
    """
    return _validate_ons(_read_csv(path), os.fspath(path))


def _ons_source(source: Source) -> pd.DataFrame:
    if source is None:
        # The shipped file is validated by the test suite (load_ons_file on it),
        # so it is read with its dtypes directly: about ten times faster.
        with _shipped(_ONS_FILE).open("rb") as fh:
            return pd.read_csv(
                fh,
                keep_default_na=False,
                dtype={"mid_year": "int64", "age": "int64", "population": "int64"},
            )
    if isinstance(source, pd.DataFrame):
        missing = [c for c in ONS_COLUMNS if c not in source.columns]
        if missing:
            raise ValueError(
                f"source is missing the ONS columns {missing}; read files with load_ons_file()."
            )
        return source.loc[:, list(ONS_COLUMNS)]
    return load_ons_file(source)


# ---------------------------------------------------------------- names


def _norm(name: str) -> str:
    """Normalise an area name for matching ("St. Helens" == "st helens")."""
    s = str(name).casefold().replace(".", "").replace("&", " and ").replace("-", " ")
    s = re.sub(r",\s*(city|county) of$", "", s.strip())
    s = s.replace(",", " ")
    return " ".join(s.split())


def service_areas() -> pd.DataFrame:
    """The shipped lookup of multi-authority services and their districts.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (service or grouping), ``kind`` (``yjs`` or
        ``metropolitan_county``), ``area_code``, ``area_name``,
        ``first_mid_year`` and ``last_mid_year`` (nullable Int64: the
        mid-years for which the district belongs to the list, where
        boundaries changed).

    Examples
    --------
    >>> sa = service_areas()
    >>> sorted(sa.loc[sa["name"] == "Merseyside", "area_name"])
    ['Knowsley', 'Liverpool', 'Sefton', 'St. Helens', 'Wirral']
    """
    df = _read_csv(_shipped(_AREAS_FILE))
    for c in ("first_mid_year", "last_mid_year"):
        df[c] = pd.to_numeric(df[c].mask(df[c] == "")).astype("Int64")
    return df


def _suggest(item: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(_norm(item), list(names), n=3, cutoff=0.75)
    return f" Did you mean {', '.join(map(repr, close))}?" if close else ""


def _resolve(areas: Areas | None, src: pd.DataFrame, years: list[int]) -> pd.DataFrame | None:
    """Map requested areas to (mid_year, area_code) -> output group.

    Returns a frame with columns mid_year, area_code, authority_code,
    authority_name, order; or None for "every area as it is".
    """
    if areas is None:
        return None
    if isinstance(areas, str):
        groups: list[tuple[str, list[str] | None]] = [(areas, None)]
    elif isinstance(areas, Mapping):
        groups = []
        for k, v in areas.items():
            if isinstance(v, str) or not isinstance(v, Iterable):
                raise ValueError(f"areas[{k!r}] must be a list of area codes or names, not {v!r}.")
            groups.append((str(k), [str(x) for x in v]))
    else:
        groups = [(str(a), None) for a in areas]
    if not groups:
        raise ValueError("areas is empty; pass None for every area.")

    # plain dicts: one lookup per requested name, however many are asked for
    services: dict[str, list[tuple[str, str, int, int]]] = {}
    for r in service_areas().itertuples(index=False):
        first = -1 if pd.isna(r.first_mid_year) else int(r.first_mid_year)
        last = 10_000 if pd.isna(r.last_mid_year) else int(r.last_mid_year)
        services.setdefault(_norm(r.name), []).append((r.name, r.area_code, first, last))
    known = src.loc[src["mid_year"].isin(years), ["mid_year", "area_code", "area_name"]]
    known = known.drop_duplicates()
    by_code: dict[tuple[int, str], str] = {}
    by_key: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for y, code, area in zip(
        known["mid_year"], known["area_code"], known["area_name"], strict=True
    ):
        by_code[(int(y), code)] = area
        by_key.setdefault((int(y), _norm(area)), []).append((code, area))
    all_keys = set(services) | {k for _, k in by_key}

    def find(item: str, year: int) -> tuple[str, str]:
        code = item.strip().upper()
        if _CODE_RE.match(code):
            hits = [(code, by_code[(year, code)])] if (year, code) in by_code else []
        else:
            hits = by_key.get((year, _norm(item)), [])
        if len(hits) > 1:
            raise ValueError(
                f"{item!r} matches several mid-{year} areas "
                f"({', '.join(c + ' ' + n for c, n in hits)}); pass the area code."
            )
        if not hits:
            raise ValueError(
                f"{item!r} is not an area in the mid-{year} estimates "
                f"(mid-2021 has districts on 2021 boundaries only; mid-2022 every geography "
                f"on April 2023 boundaries). Pass its area code, its districts as "
                f"{{{item!r}: [...]}}, or another mid_year.{_suggest(item, all_keys)}"
            )
        return hits[0]

    rows = []
    for order, (label, members) in enumerate(groups):
        for year in years:
            if members is None:
                svc = services.get(_norm(label))
                if svc:
                    found = [find(c, year) for _, c, first, last in svc if first <= year <= last]
                    name = svc[0][0]
                else:
                    found = [find(label, year)]
                    # a code is labelled with the ONS name, a name as the caller wrote it
                    is_code = bool(_CODE_RE.match(label.strip().upper()))
                    name = found[0][1] if is_code else label.strip()
            else:
                if not members:
                    raise ValueError(f"areas[{label!r}] lists no areas.")
                found = [find(m, year) for m in members]
                name = label
            codes = sorted({c for c, _ in found})
            if len(codes) < len(found):
                raise ValueError(f"{label!r} lists the same area twice for mid-{year}.")
            code = codes[0] if len(codes) == 1 else "+".join(codes)
            rows += [(year, c, code, name, order) for c in codes]
    out = pd.DataFrame(
        rows, columns=["mid_year", "area_code", "authority_code", "authority_name", "order"]
    )
    return out


# ---------------------------------------------------------------- public API


def ons(
    mid_year: int | Iterable[int] | None = None,
    areas: Areas | None = None,
    by: Iterable[ByDimension] = ("age", "sex"),
    *,
    source: Source = None,
) -> pd.DataFrame:
    """ONS mid-year estimates of children aged 10-17 as a ``population`` table.

    Parameters
    ----------
    mid_year : int or list of int, optional
        Mid-year estimate(s); default every year in the source (the shipped
        file has 2021 and 2022).
    areas : str, list of str or dict, optional
        Default every area in the file (in mid-2022 districts, counties,
        regions and countries overlap: do not sum them). A list of area codes (``"E08000014"``), area
        names (``"St Helens"`` matches ``"St. Helens"``; case, dots, ``&`` and
        hyphens are ignored) or names of services in the shipped lookup
        (:func:`service_areas`, e.g. ``"Lancashire"``,
        ``"Cheshire East, Cheshire West, Halton and Warrington"``,
        ``"Merseyside"``), which are summed from their districts in every
        year. A dict maps your own group name to a list of codes or names,
        e.g. ``{"Wirral and Sefton": ["Wirral", "Sefton"]}``.
    by : iterable of {"age", "sex"}
        Breakdowns to keep; the others are summed (``age`` becomes <NA>,
        ``sex`` becomes ``"All"``).
    source : DataFrame or path, optional
        A frame in the ONS layout (from :func:`load_ons_file`) or a path to
        one, instead of the shipped file.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POPULATION_COLUMNS`:

        * ``authority_code`` -- ONS code; for a group of several areas the
          sorted member codes joined with ``+``;
        * ``authority_name`` -- the ONS name, or the name you asked for;
        * ``mid_year`` -- int;
        * ``age`` -- nullable Int64, 10-17 (<NA> when summed);
        * ``sex`` -- ``"Female"``, ``"Male"`` (or ``"All"`` when summed);
        * ``ethnicity`` -- ``"All"`` (ONS estimates have no ethnicity);
        * ``population`` -- int64.

        Rows are in the order of ``areas`` (else by code), then year, sex, age.

    Raises
    ------
    ValueError
        Unknown ``by`` or ``mid_year`` (listing the valid ones), or an area
        not found (with suggestions) or not available in one of the years.

    Examples
    --------
    >>> p = ons(mid_year=2021, areas=["Sefton"])
    >>> p.shape, int(p["population"].sum())
    ((16, 7), 24412)
    >>> p[["age", "sex", "population"]].head(2)
       age     sex  population
    0   10  Female        1468
    1   11  Female        1464
    >>> t = ons(areas=["Lancashire"], by=())
    >>> t[["mid_year", "population"]].to_numpy().tolist()
    [[2021, 116530], [2022, 119017]]
    """
    by_set = [by] if isinstance(by, str) else list(by)
    valid_by = get_args(ByDimension)
    bad = [b for b in by_set if b not in valid_by]
    if bad:
        raise ValueError(f"by may contain {', '.join(map(repr, valid_by))}; got {bad!r}.")
    src = _ons_source(source)
    available = sorted(int(y) for y in src["mid_year"].unique())
    if mid_year is None:
        years = available
    else:
        years = [mid_year] if isinstance(mid_year, int | np.integer) else list(mid_year)
        years = [int(y) for y in years]
        unknown = [y for y in years if y not in available]
        if unknown:
            raise ValueError(
                f"mid_year {unknown} not in the estimates; available: {available}. "
                "Newer estimates can be read with load_ons_file()."
            )
    data = src[src["mid_year"].isin(years)]
    groups = _resolve(areas, src, years)
    if groups is None:
        data = data.assign(
            authority_code=data["area_code"],
            authority_name=data["area_name"],
            order=data["area_code"],
        )
    else:
        data = groups.merge(
            data, on=["mid_year", "area_code"], how="inner", validate="many_to_many"
        )
    data = data.assign(sex=data["sex"].map(_SEX_LABELS))
    keys = ["order", "authority_code", "authority_name", "mid_year"] + [
        d for d in ("sex", "age") if d in by_set
    ]
    out = data.groupby(keys, sort=True, dropna=False)["population"].sum().reset_index()
    order = ["order", "mid_year", "authority_code"] + keys[4:]
    out = out.sort_values(order, kind="stable").drop(columns="order")
    if "age" not in by_set:
        out["age"] = pd.NA
    if "sex" not in by_set:
        out["sex"] = "All"
    out["ethnicity"] = "All"
    out = out.loc[:, list(POPULATION_COLUMNS)].reset_index(drop=True)
    return out.astype({"mid_year": "int64", "age": "Int64", "population": "int64"})


def total_10_17(
    mid_year: int | Iterable[int] | None = None,
    areas: Areas | None = None,
    *,
    source: Source = None,
) -> pd.DataFrame:
    """Total population aged 10-17: :func:`ons` summed over age and sex.

    Returns the same columns as :func:`ons`, one row per area and mid-year,
    with ``age`` <NA> and ``sex`` ``"All"``.

    Examples
    --------
    >>> t = total_10_17(2022, {"CWHW": ["Cheshire East", "Cheshire West and Chester",
    ...                                 "Halton", "Warrington"]})
    >>> t.loc[0, "authority_code"], int(t.loc[0, "population"])
    ('E06000006+E06000007+E06000049+E06000050', 103841)
    """
    return ons(mid_year=mid_year, areas=areas, by=(), source=source)


def _mid_year_for(period_kind: str, year, convention: str) -> tuple[str, int]:
    """Label of the period and the mid-year its rate should use."""
    if period_kind == "calendar_year":
        start, end = periods.calendar_year_bounds(year)
        label = str(start.year)
    elif period_kind == "financial_year":
        start, end = periods.financial_year_bounds(year)
        label = periods.financial_year(start)
    elif period_kind == "rolling_12m":
        start, end = periods.rolling_12_months(year)
        label = f"12 months to {periods.quarter_label(year)}"
    else:
        end = periods.quarter_end(year)
        label = periods.quarter_label(year)
    return label, end.year - 1 if convention == "previous_mid_year" else end.year


def population_for_period(
    population: pd.DataFrame,
    period_kind: PeriodKind,
    year: int | str | pd.Period,
    convention: Convention = "previous_mid_year",
) -> pd.DataFrame:
    """The rows of a population table to use as the denominator of a period.

    Parameters
    ----------
    population : pandas.DataFrame
        A table with a ``mid_year`` column, e.g. from :func:`ons`.
    period_kind : {"calendar_year", "financial_year", "rolling_12m", "quarter"}
        Kind of period the rate is for.
    year : int, str or pandas.Period
        The period: ``2022`` for a calendar year, ``"2021/22"`` for a
        financial year, a quarter (``"2023/24 Q2"``) for a quarter or for the
        rolling 12 months ending with it.
    convention : {"previous_mid_year", "same_mid_year"}
        ``"previous_mid_year"`` (default, the official practice): the
        estimate for the calendar year before the one in which the period
        ends -- calendar 2022 -> mid-2021; 2021/22 -> mid-2021; 12 months to
        2023/24 Q2 (Sep 2023) -> mid-2022. ``"same_mid_year"``: the year in
        which the period ends (calendar 2022 -> mid-2022; 2021/22 -> mid-2022).

    Returns
    -------
    pandas.DataFrame
        The rows of ``population`` for that mid-year, with a first column
        ``period`` (the period's label).

    Raises
    ------
    ValueError
        Unknown ``period_kind`` or ``convention``, or the needed mid-year is
        not in ``population`` (the message names it).

    Notes
    -----
    Validated against published figures (``tests/test_population.py``): the
    first time entrant rates per 100,000 and custody rates per 1,000 of seven
    North West services for calendar 2022 and 2023 reproduce exactly with
    the default and not with ``"same_mid_year"``; the YJB's 2021-22 local
    table reproduces with mid-2021 for every service built from the file.

    Examples
    --------
    >>> pop = total_10_17(areas=["Sefton"])
    >>> d = population_for_period(pop, "calendar_year", 2022)
    >>> d[["period", "mid_year", "population"]].to_numpy().tolist()
    [['2022', 2021, 24412]]
    >>> population_for_period(pop, "financial_year", "2022/23")["mid_year"].tolist()
    [2022]
    """
    kinds, conventions = get_args(PeriodKind), get_args(Convention)
    if period_kind not in kinds:
        raise ValueError(
            f"period_kind must be one of {', '.join(map(repr, kinds))}; got {period_kind!r}."
        )
    if convention not in conventions:
        raise ValueError(
            f"convention must be one of {', '.join(map(repr, conventions))}; got {convention!r}."
        )
    if "mid_year" not in population.columns:
        raise ValueError(
            "population has no 'mid_year' column; build it with cohort.population.ons()."
        )
    label, mid = _mid_year_for(period_kind, year, convention)
    rows = population[population["mid_year"] == mid]
    if rows.empty:
        have = sorted(int(y) for y in population["mid_year"].unique())
        raise ValueError(
            f"{period_kind} {label} needs the mid-{mid} estimates ({convention}), "
            f"which are not in this population table (it has {have}). "
            "Read newer estimates with load_ons_file()."
        )
    return rows.assign(period=label).loc[:, ["period", *population.columns]].reset_index(drop=True)


def yjb_service_table() -> pd.DataFrame:
    """The YJB's local table: children, offences and outcomes per service.

    Financial years 2020-21 and 2021-22, every youth justice service (154) and
    region of England and Wales (see ``cohort/data/PROVENANCE.md``).

    Returns
    -------
    pandas.DataFrame
        One row per financial year x area x measure, columns

        * ``financial_year`` -- label in this package's form, ``"2021/22"``;
        * ``level`` -- ``"region"`` or ``"service"``;
        * ``region`` -- English region or Wales;
        * ``service`` -- youth justice service name as published (<NA> on
          regional rows);
        * ``measure`` -- ``"children"`` (cautioned or sentenced),
          ``"offences"`` (proven) or ``"outcomes"`` (cautions and sentences);
        * ``count`` -- int64;
        * ``population`` -- the 10-17 population the YJB used (int64): mid-2021
          for 2021/22 (see the module notes);
        * ``rate_per_1000`` -- as published (1 dp).

    Examples
    --------
    >>> t = yjb_service_table()
    >>> r = t[(t["service"] == "Sefton") & (t["financial_year"] == "2021/22")
    ...       & (t["measure"] == "children")]
    >>> int(r["count"].iloc[0]), int(r["population"].iloc[0]), float(r["rate_per_1000"].iloc[0])
    (43, 24412, 1.8)
    """
    raw = _read_csv(_shipped(_YJB_FILE))
    labels = {
        s: periods.financial_year(periods.financial_year_bounds(s)[0])
        for s in raw["financial_year"].unique()
    }
    fy = raw["financial_year"].map(labels)
    service = raw["yjs"].str.strip()
    out = pd.DataFrame(
        {
            "financial_year": fy,
            "level": np.where(service == "", "region", "service"),
            "region": raw["region"],
            "service": service.where(service != "", pd.NA),
            "measure": raw["measure"],
            "count": raw["count"].astype("int64"),
            "population": raw["population_10_17"].astype("int64"),
            "rate_per_1000": raw["rate_per_1000"].astype("float64"),
        }
    )
    return out
