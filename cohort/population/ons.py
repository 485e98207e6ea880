"""ONS mid-year estimates of children aged 10-17: reading, validating, and
returning them as the ``population`` table, summed to services."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import Literal, get_args

import numpy as np
import pandas as pd

from cohort.exceptions import ValidationError
from cohort.population.areas import _CODE_RE, Areas, _resolve
from cohort.population.files import _read_csv, _shipped

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

#: The shipped ONS files: mid-2021 and mid-2022 (the unrevised "UK, June 2022"
#: edition), and mid-2023 (see cohort/data/PROVENANCE.md).
ONS_FILES: tuple[str, ...] = ("ons_population_10_17.csv", "ons_population_10_17_mid2023.csv")
_SEX_LABELS = {"F": "Female", "M": "Male"}
_AGES = tuple(range(10, 18))

ByDimension = Literal["age", "sex"]
Source = pd.DataFrame | str | os.PathLike[str] | None


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


@functools.lru_cache(maxsize=1)
def _shipped_frame() -> pd.DataFrame:
    frames = []
    for name in ONS_FILES:
        with _shipped(name).open("rb") as fh:
            frames.append(pd.read_csv(
                fh, keep_default_na=False,
                dtype={"mid_year": "int64", "age": "int64", "population": "int64"},
            ))
    return pd.concat(frames, ignore_index=True)


def shipped_ons() -> pd.DataFrame:
    """The shipped ONS estimates (mid-2021, mid-2022, mid-2023) in the published layout.

    Examples
    --------
    >>> sorted(shipped_ons()["mid_year"].unique().tolist())
    [2021, 2022, 2023]
    """
    return _shipped_frame().copy()


def _ons_source(source: Source) -> pd.DataFrame:
    if source is None:
        # The shipped files are validated by the test suite (load_ons_file on each),
        # so they are read with their dtypes directly: about ten times faster.
        return shipped_ons()
    if isinstance(source, pd.DataFrame):
        missing = [c for c in ONS_COLUMNS if c not in source.columns]
        if missing:
            raise ValueError(
                f"source is missing the ONS columns {missing}; read files with load_ons_file()."
            )
        return source.loc[:, list(ONS_COLUMNS)]
    return load_ons_file(source)


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
        files have 2021, 2022 and 2023).
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
    [[2021, 116530], [2022, 119017], [2023, 121581]]
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
