"""Stage 1: fictional authorities and their populations aged 10-17 by single year
of age, sex and ethnic group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cohort.synthetic._base import _AGES, _ETHNIC, _SEXES, _boolean, _labels

_DEFAULT_AUTHORITIES = (
    # code, name, population mid-2021, entry rate (as first time entrants per
    # 100,000; realised FTE rates differ by a few per cent), non-White share,
    # ethnic mix of the non-White (Mixed, Asian, Black, Other),
    # reoffending shift, custody shift, yearly trend of the entry rate,
    # region, police force area
    ("X01", "Ashbridge", 24_400, 150, 0.075, (0.48, 0.25, 0.12, 0.15), 0.0, 0.0, -0.01,
     "Synthetic North", "Synthetic Coast Police"),
    ("X02", "Kelmoor", 14_800, 180, 0.05, (0.45, 0.30, 0.12, 0.13), 0.25, -0.1, -0.02,
     "Synthetic North", "Synthetic Coast Police"),
    ("X03", "Northwold", 31_500, 195, 0.18, (0.30, 0.30, 0.28, 0.12), 0.1, 0.1, -0.03,
     "Synthetic Midlands", "Synthetic Vale Police"),
    ("X04", "Stanmere", 19_200, 175, 0.12, (0.40, 0.35, 0.12, 0.13), -0.2, -0.05, 0.01,
     "Synthetic Midlands", "Synthetic Vale Police"),
    ("X05", "Wexcombe", 42_800, 150, 0.33, (0.24, 0.55, 0.13, 0.08), -0.05, 0.05, 0.0,
     "Synthetic South", "Synthetic Downs Police"),
)
_NATIONAL_NONWHITE_MIX = np.array([0.224, 0.451, 0.226, 0.099])  # Mixed, Asian, Black, Other

_PREFIXES = (
    "Ash", "Kel", "North", "Stan", "Wex", "Brel", "Corv", "Dal", "Esk", "Fal", "Grin",
    "Hest", "Ivel", "Jex", "Lorn", "Marn", "Nesk", "Orm", "Pell", "Quen", "Rax", "Sorl",
    "Tarn", "Umber", "Vell", "Wyn", "Yel", "Zell", "Bram", "Cres", "Dun", "Elv", "Frel",
)
_SUFFIXES = (
    "bridge", "moor", "wold", "mere", "combe", "thwaite", "haven", "holt", "stead",
    "garth", "worth", "dene", "fold", "hurst", "wick", "ness",
)
_REGIONS = (
    "Synthetic North", "Synthetic North East", "Synthetic North West", "Synthetic Midlands",
    "Synthetic East", "Synthetic West", "Synthetic South", "Synthetic South East",
    "Synthetic South West", "Synthetic Capital",
)

# ---------------------------------------------------------------------------
# Authorities and population
# ---------------------------------------------------------------------------


def _authorities(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    if n < 1:
        raise ValueError(f"authorities must be at least 1, got {n}")
    width = 2 if n <= 99 else 3
    codes = [f"X{i:0{width}d}" for i in range(1, n + 1)]
    if n <= len(_DEFAULT_AUTHORITIES):
        rows = _DEFAULT_AUTHORITIES[:n]
        names = [r[1] for r in rows]
        pop = np.array([r[2] for r in rows], dtype=float)
        fte = np.array([r[3] for r in rows], dtype=float)
        nonwhite = np.array([r[4] for r in rows])
        mix = np.array([r[5] for r in rows])
        reoff = np.array([r[6] for r in rows])
        cust = np.array([r[7] for r in rows])
        trend = np.array([r[8] for r in rows])
        region = [r[9] for r in rows]
        police = [r[10] for r in rows]
    else:
        combos = [p + s for p in _PREFIXES for s in _SUFFIXES]
        base = [r[1] for r in _DEFAULT_AUTHORITIES]
        others = [c for c in combos if c not in base]
        if n > len(base) + len(others):
            raise ValueError(f"at most {len(base) + len(others)} synthetic authorities")
        pick = rng.permutation(len(others))[: n - len(base)]
        names = base + [others[i] for i in pick]
        pop = np.exp(rng.uniform(np.log(12_000), np.log(45_000), n))
        fte = np.clip(165 * np.exp(0.17 * rng.standard_normal(n)), 125, 220)
        nonwhite = np.exp(rng.uniform(np.log(0.05), np.log(0.35), n))
        mix = rng.dirichlet(8 * _NATIONAL_NONWHITE_MIX[[0, 1, 2, 3]], n)
        reoff = rng.normal(0, 0.18, n)
        cust = rng.normal(0, 0.12, n)
        trend = rng.normal(-0.01, 0.025, n)
        region_i = np.sort(rng.integers(0, len(_REGIONS), n))
        region = [_REGIONS[i] for i in region_i]
        police = [f"{r} Police {1 + i % 3}" for i, r in zip(range(n), region, strict=True)]
    # Youth justice services: one each, except that in a national set about
    # one service in twelve covers two neighbouring authorities.
    yjs_of = np.arange(n)
    if n > len(_DEFAULT_AUTHORITIES):
        pairs = np.arange(6, n - 1, 12)
        yjs_of[pairs + 1] = yjs_of[pairs]
    yjs_codes, yjs_names = [], []
    for i in range(n):
        members = [names[k] for k in np.flatnonzero(yjs_of == yjs_of[i])]
        yjs_codes.append(f"Y{codes[yjs_of[i]][1:]}")
        yjs_names.append(" and ".join(members) + " Youth Justice Service")
    groups = np.array(["A", "B", "C"])[np.digitize(fte, [150, 180])]
    frame = pd.DataFrame(
        {
            "authority_code": codes,
            "authority_name": names,
            "region": region,
            "police_force_area": police,
            "yjs_code": yjs_codes,
            "yjs_name": yjs_names,
            "comparison_group": [f"Synthetic neighbours {g}" for g in groups],
            "synthetic": _boolean(np.ones(n, dtype=bool)),
        }
    )
    params = {
        "pop": pop,
        "fte": fte,
        "nonwhite": nonwhite,
        "mix": mix,  # Mixed, Asian, Black, Other
        "reoff": reoff,
        "cust": cust,
        "trend": trend,  # yearly relative change in the entry rate
        "board": rng.normal(0, 0.05, n),
        "yjs_of": yjs_of,
    }
    return frame, params


def _population_array(
    params: dict[str, np.ndarray], years: np.ndarray, scale: float, rng: np.random.Generator
) -> np.ndarray:
    """Counts with shape (authority, year, age, sex, ethnicity); year 2021 is the anchor."""
    n = len(params["pop"])
    age_w = 1 + 0.015 * (17 - _AGES)  # younger cohorts slightly larger
    age_w = age_w / age_w.sum()
    sex_w = np.array([0.512, 0.488])
    growth = 1.0 + rng.normal(0.01, 0.004, n)
    total = params["pop"][:, None] * growth[:, None] ** (years[None, :] - 2021) * scale
    # non-White share: higher at younger ages, rising 0.3 points a year
    nw = (
        params["nonwhite"][:, None, None]
        * (1 + 0.03 * (13.5 - _AGES))[None, None, :]
        * (1 + 0.03 * (years - 2021))[None, :, None]
    )
    nw = np.clip(nw, 0.01, 0.9)
    eth = np.concatenate(
        [(1 - nw)[..., None], nw[..., None] * params["mix"][:, None, None, :]], axis=-1
    )  # (A, Y, age, 5) in order White, Mixed, Asian, Black, Other
    expected = (
        total[:, :, None, None, None]
        * age_w[None, None, :, None, None]
        * sex_w[None, None, None, :, None]
        * eth[:, :, :, None, :]
    )
    noise = np.exp(rng.normal(0, 0.01, expected.shape))
    return np.round(expected * noise).astype(np.int64)


def _population_table(pop, sim_years, codes, first: int, last: int) -> pd.DataFrame:
    yi = np.flatnonzero((sim_years >= first) & (sim_years <= last))
    sub = pop[:, yi]
    a, y, g, s, e = np.indices(sub.shape).reshape(5, -1)
    return pd.DataFrame(
        {
            "authority_code": codes[a],
            "mid_year": pd.array(sim_years[yi][y], dtype="Int64"),
            "age": pd.array(_AGES[g], dtype="Int64"),
            "sex": _labels(_SEXES, s),
            "ethnicity": _labels(_ETHNIC, e),
            "population": pd.array(sub.ravel(), dtype="Int64"),
        }
    )
