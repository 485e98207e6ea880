"""The YJB's local table of children, offences and outcomes per service."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cohort import periods
from cohort.population.files import _read_csv, _shipped

_YJB_FILE = "yjb_service_children_offences_outcomes_2020_2022.csv"


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
