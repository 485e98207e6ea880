"""Area names and codes: matching what a user asks for to ONS areas, and the
shipped lookup of services that cover several local authorities."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from cohort.population.files import _read_csv, _shipped

_AREAS_FILE = "yjs_areas.csv"
_CODE_RE = re.compile(r"^[EWSNK]\d{8}$")

Areas = str | Sequence[str] | Mapping[str, Sequence[str]]


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
