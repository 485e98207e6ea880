"""Calibrated synthetic youth justice data for fictional authorities.

:func:`generate` returns a :class:`~cohort.cohortdata.CohortData` holding every
table of the data model (``data_dictionary/tables``) for fictional local
authorities (codes ``X01`` ... or ``X001`` ..., names such as Ashbridge and
Kelmoor, regions called "Synthetic ..."). Nothing in it describes a real
child, service or place. The data are simulated as processes in time, not
drawn as independent noise, so that the official measures computed from them
land near published figures.

How the data are made
---------------------
1. **Population.** For each authority, ONS-style mid-year counts of children
   aged 10-17 by single year of age, sex and ethnic group (GSS 5 groups), for
   mid-years ``start - 1`` to ``end`` (the previous-mid-year convention of the
   FTE and custody rates needs ``start - 1``). Authorities hold 12,000-45,000
   children; the total grows about 1% a year and the non-White share (5%-35%
   by authority, higher at younger ages) rises slowly. The table has one row
   per ethnic group and no ``All`` rows: totals are sums over ethnicity.
2. **Offending careers.** Children enter the service (first proven offence,
   formal or informal) at an authority-specific rate applied to the
   population; each child then offends as a renewal process with a
   child-level frailty (gamma-distributed rate, about 1.5 offences a year on
   average) and a probability of stopping after each offence, until the 18th
   birthday or the end of the data. Every offence gets an outcome from an
   ordinal (probit) model whose latent score rises with the number of earlier
   offences, earlier formal outcomes, a previous court outcome, gravity and
   age, so that outcomes escalate (diversion -> youth caution -> youth
   conditional caution -> referral order -> youth rehabilitation order ->
   detention and training order). Outcome dates follow offence dates by
   1-6 weeks (informal), 5-12 weeks (cautions) or 2-6 months (court).
   Custody pauses offending until release (half the order). Some outcomes
   deal with several offences at once (extra offences committed in the
   preceding weeks), and some court orders are breached (offence group
   "Breach of statutory order", ``is_breach`` True).
3. **Whole histories.** Careers start up to three years before ``start``
   (offence and outcome dates may precede the first financial year) so that a
   child's first formal outcome is in the data: first time entrants are
   exactly those whose earliest formal outcome falls in the period. Careers
   begun more than three years before ``start`` are not simulated, which
   slightly thins the first year's caseload of long-standing offenders.
   Offences proven after the end of the data are not in the table, as in a
   real extract; adult offending (18+) is not simulated.
4. **Interventions.** Each outcome with a service intervention (Outcome 22,
   community resolution, cautions, referral orders, YROs, custody) opens an
   episode of that programme at the outcome date, lasting 1-4 months (out of
   court), 3-12 months (referral order), 6-24 months (YRO) or the whole order
   (custody; section 250 sentences use the custodial programme code because
   the code list has no other). Some court cases have a "Bail and remand"
   episode from charge to sentence. Children diverted informally and
   children referred without an offence get Turnaround (from December 2022)
   or Prevention episodes. Episodes open at the end of the data are
   ``Ongoing`` with no ``end_date``.
5. **KPI records.** One record per episode of a KPI-cohort programme
   (``kpi_cohort: true`` in the code list) that has ended, dated at its end,
   with characteristics drawn from the child (care status, SEND level,
   sex, age, risk) so that they correlate sensibly.
6. **Victims, board attendance, attendance** as described below.
7. **Identifiers** are sequential within the whole data set (``C000001``,
   ``O0000001``, ``I0000001``, ``K0000001``, ``V0000001``), children
   numbered by authority; they carry no information.

Planted facts and their references
----------------------------------
Reference files are those transcribed in the project's shared reference
folder; the figures used, with file and row, are copied into
``cohort/data/calibration_targets.csv`` (read at run time into
``metadata["calibration"]``). "Generated" figures are for the default call
(seed 2024, five authorities, scale 1) as recomputed independently by
``tests/test_synthetic.py``; other seeds vary by sampling error.

* Population: 12,000-45,000 aged 10-17 per authority (Sefton 24,412, the
  denominator in fte_by_authority.csv); non-White share 5%-35% (Census 2021
  excerpt: Sefton 7%, Wirral 8.5%, Trafford 33%).
* First time entrants (the child's first youth caution, youth conditional
  caution or court outcome; Outcome 22 and community resolutions never
  count): entry parameters 150-195 per 100,000 a year for the default
  authorities, 125-220 nationally; realised calendar-year rates with the
  previous mid-year's population about 120-235 (fte_by_authority.csv:
  118-255; Sefton 143 and 146). X01 (Ashbridge) is Sefton-sized with a
  Sefton-like rate.
* Caseload (children with a KPI-cohort episode in the year): about 86% boys
  (wirral_facts.csv: 91%), about 77% aged 15-17 (Wirral 94%, national 75%);
  in a Sefton-sized authority about 170 distinct children a year
  (sefton_cohort_facts_2023_24.csv: 167), about 55 of them on court orders.
* Proven reoffending (MoJ: 3-month cohorts, offence within 12 months of the
  index date proven within 18 months, breaches excluded): about 28%-35% by
  authority, 33% overall (reoffending_by_authority.csv: 21.3%-47.8%;
  national 32.2%).
* Custodial sentences about 0.11-0.19 per 1,000 aged 10-17 a year
  (custody_by_authority.csv: 0.00-0.48).
* Ethnic disproportionality growing at later decision points: relative risk
  of entering the service Black 3.0, Mixed 2.2, Other 1.6, Asian 1.0 versus
  White, so that X01 (7.5% non-White) has a caseload about 1.7 times as
  non-White as its population (wirral_facts.csv: 15% vs 9%); the outcome
  model's court boundary moves for Black and Mixed children (latent shift
  0.25 and 0.15) and its custody boundary moves again (0.45 and 0.25),
  giving relative rates versus White children, for Black children, of about
  2.7 (entry), 1.2 (court given entry) and 1.5-2 (custody given court).
* KPI records (sefton_kpi_quarterly_2023_24.csv and
  sefton_kpi_counts_2023_24.csv, 2023/24): accommodation suitable 91%,
  unsuitable 7.5%, unknown 1.5%; school age 44% of records, with the
  published ETE type mix (mainstream 44%, alternative provision 38%, SEMH
  9%, school refuser 5%, secure unit 2%, home schooled 1%); 25+ hours
  offered to 83% and attended by 55% of the school age, 54% and 41% of all;
  ETE suitable 77% (school age) and 66% (all); SEN Support 21%, EHCP 23%,
  no SEN 53%; mental health need 37%; substance misuse need 45%; early help
  35%, child in need 18%, child protection 6%, cared for 19%. About 58% of
  ended out-of-court episodes are ``Completed``
  (sefton_cohort_facts_2023_24.csv: 55 of 95). Not reproduced: Sefton's
  quarterly denominators (about 75) sum to 303 a year over 167 distinct
  children, 1.8 ended episodes per child; one record per ended episode
  gives about 1.2 per child, about 50 a quarter.
* Victims: about one per violence, robbery or sexual offence and many
  theft, burglary, criminal damage and public order offences (some theft,
  burglary and fraud victims are businesses); 40% of individual victims
  female (wirral_facts.csv); in a Sefton-sized authority about 30-35 contacted
  a quarter, half of them offered restorative justice and a fifth of those
  accepting (sefton_kpi_counts_2023_24.csv: 36 contacted a quarter; 38 of 88
  offered and 8 of 38 accepting in quarters 1-3), with a non-engagement
  reason for every victim who did not accept.
* Management board: one meeting a quarter per service (on a weekday), five
  statutory agencies, attendance about 80% (children's social care and
  police highest, probation and health lowest).
* Community Youth Connectors (sefton_cohort_facts_2023_24.csv: about 94 girls
  a year with emotional wellbeing concerns, 13 schools, engagement 97%,
  attendance up 6.5 points, none became known to the service): a schools
  mentoring project for girls aged 11-15 in the two most populous
  authorities (X03 and X05 by default; X01 alone when there are fewer than
  three), one cohort of 94 girls (times ``scale``) per academic year whose
  baseline year and programme year both lie in the data (2022/23-2024/25 by
  default). Participants are chosen from 12 times as many candidate girls
  of the same authority and year, on *observed* characteristics only (lower
  baseline attendance, SEN Support or EHCP, free school meals, looked after,
  older), so matching on them recovers the effects. Planted effects: the
  hazard of an offence leading to a first formal outcome within 12 months
  of the programme start is halved (hazard ratio 0.5; about 0.5% of
  participants a year offend, against about 0.5% of the pool, which has a
  lower baseline risk), and the attendance rate rises 6.5 percentage points
  in the programme year (less only where attendance would pass 100%).
  Attendance varies from term to term, so a naive before-after comparison
  of the participants mixes the effect with regression to the mean (about
  +1 point) and the secular change (-1 point); a matched difference in
  differences gives about 6 points. The offending effect is planted but
  weakly powered at scale 1 (a handful of events), as in the real project;
  each such girl replaces two girls among the regular entrants, so the
  project does not inflate first time entrant counts. Attendance rows
  (three terms of the baseline and the programme year) exist for
  participants and for every candidate girl, and all of them are in
  ``children`` with ``fsm_eligible``, ``send_level`` and ``care_status``.

Scale
-----
``scale`` multiplies every population and hence every caseload (0.2 gives a
fast, small data set). Everything is vectorised over children with numpy;
the only Python loops run over offence number within a career (at most
:data:`MAX_EVENTS`), over tables and over the project's authority-years.
Five authorities take about 1 s; 150 authorities for five years (about
320,000 offence rows, 165,000 children) about 3-4 s and 0.4 GiB above the
imports; see ``benchmarks/synthetic_scale.py``.

References
----------
.. [1] Youth Justice Board, Key performance indicators for youth justice
   services (2023); Sefton Youth Justice Plan 2024/25, performance appendix.
.. [2] Ministry of Justice, Guide to Proven Reoffending Statistics (2019).
.. [3] HM Inspectorate of Probation, inspection of youth justice services in
   Wirral (2025).
.. [4] ONS, Census 2021 ethnic group by age, and mid-year population
   estimates 2021 and 2022.

Examples
--------
>>> from cohort import synthetic
>>> data = synthetic.generate(seed=1, authorities=2, scale=0.1)
>>> sorted(data.tables)[:3]
['attendance', 'authorities', 'board_attendance']
>>> data.authorities["authority_name"].tolist()
['Ashbridge', 'Kelmoor']
>>> data.metadata["planted_effects"]["cyc_first_formal_hazard_ratio"]
0.5
>>> bool((data.offences["outcome_date"] >= data.offences["offence_date"]).all())
True
"""

from __future__ import annotations

import csv
import importlib.resources
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cohort.cohortdata import TABLES, CohortData

__all__ = ["MAX_EVENTS", "generate"]

#: Largest number of outcome events simulated per child.
MAX_EVENTS = 30

_YEAR = 365.25
_EPOCH = np.datetime64("1970-01-01", "D")
_ETHNIC = ("White", "Mixed", "Asian", "Black", "Other")
_AGES = np.arange(10, 18)
_SEXES = ("Male", "Female")
_BURN_IN_YEARS = 3
_TURNAROUND_START = np.datetime64("2022-12-01", "D")

# ---------------------------------------------------------------------------
# Model parameters. Each is a modelling choice, calibrated so that the
# measures land near the published figures named in the module docstring.
# ---------------------------------------------------------------------------

#: Relative risk of entering the service, by ethnic group (White = 1).
_ENTRY_RR = {"White": 1.0, "Mixed": 2.2, "Asian": 1.0, "Black": 3.0, "Other": 1.6}
#: Latent shift of the court threshold (larger = more often to court).
_COURT_SHIFT = {"White": 0.0, "Mixed": 0.15, "Asian": 0.05, "Black": 0.25, "Other": 0.1}
#: Extra latent shift of the custody threshold.
_CUSTODY_SHIFT = {"White": 0.0, "Mixed": 0.25, "Asian": 0.05, "Black": 0.45, "Other": 0.15}
#: Age at first proven offence, weights for ages 10..17.
_FIRST_AGE_W = np.array([0.5, 1.2, 3.0, 6.0, 11.0, 16.0, 19.0, 18.0])
#: Entrants (first outcome of any kind) per first time entrant.
_ENTRANTS_PER_FTE = 2.5
#: Probability that an entrant is a boy.
_P_MALE_ENTRANT = 0.85
#: Community Youth Connectors: girls a year per authority (at scale 1), pool
#: size per participant, hazard (a year) of a first offence with a formal
#: outcome at baseline covariates, planted hazard ratio and attendance effect.
_CYC_PER_YEAR = 94
_CYC_POOL_RATIO = 12
_CYC_BASE_HAZARD = 0.003
_CYC_HAZARD_RATIO = 0.5
_CYC_ATTENDANCE_EFFECT = 0.065

_OFFENCE_GROUPS = (
    "Violence against the person",
    "Robbery",
    "Drugs",
    "Theft and handling stolen goods",
    "Burglary",
    "Criminal damage",
    "Public order",
    "Possession of weapons",
    "Sexual offences",
    "Motoring offences",
    "Fraud and forgery",
    "Other",
)
_BREACH_GROUP = "Breach of statutory order"
_GROUP_P_MALE = np.array([0.27, 0.05, 0.13, 0.10, 0.04, 0.08, 0.08, 0.07, 0.02, 0.09, 0.01, 0.06])
_GROUP_P_FEMALE = np.array(
    [0.42, 0.02, 0.05, 0.17, 0.02, 0.10, 0.12, 0.03, 0.005, 0.02, 0.015, 0.05]
)
#: Gravity score distribution (scores 1..8) of each offence group.
_GRAVITY_P = np.array(
    [
        [0, 0.05, 0.35, 0.25, 0.20, 0.10, 0.04, 0.01],  # violence
        [0, 0, 0, 0, 0.20, 0.55, 0.20, 0.05],  # robbery
        [0, 0.15, 0.45, 0.10, 0.05, 0.20, 0.05, 0],  # drugs
        [0, 0.25, 0.45, 0.25, 0.05, 0, 0, 0],  # theft
        [0, 0, 0.10, 0.30, 0.35, 0.25, 0, 0],  # burglary
        [0, 0.20, 0.50, 0.25, 0.05, 0, 0, 0],  # criminal damage
        [0, 0.15, 0.45, 0.30, 0.10, 0, 0, 0],  # public order
        [0, 0, 0.10, 0.30, 0.45, 0.15, 0, 0],  # weapons
        [0, 0, 0.05, 0.15, 0.25, 0.25, 0.20, 0.10],  # sexual
        [0.05, 0.35, 0.35, 0.20, 0.05, 0, 0, 0],  # motoring
        [0, 0.20, 0.40, 0.30, 0.10, 0, 0, 0],  # fraud
        [0.05, 0.30, 0.35, 0.20, 0.10, 0, 0, 0],  # other
    ]
)
_GRAVITY_MIN = np.array([np.flatnonzero(r > 0).min() + 1 for r in _GRAVITY_P])
_GRAVITY_MAX = np.array([np.flatnonzero(r > 0).max() + 1 for r in _GRAVITY_P])
#: Probability that an offence of each group has an individual victim, and
#: that it has a business victim instead.
_P_VICTIM_PERSON = np.array([0.95, 1.0, 0, 0.50, 0.75, 0.60, 0.35, 0, 1.0, 0.05, 0.30, 0.20])
_P_VICTIM_BUSINESS = np.array([0, 0, 0, 0.45, 0.25, 0.35, 0.05, 0, 0, 0, 0.60, 0.05])

# Outcome model: tiers 0 diversion, 1 youth caution, 2 YCC, 3 first-tier
# court, 4 YRO, 5 custody. Latent score L = alpha_a + b_j min(j, 4)
# + b_f min(formal, 3) + b_c prior_court + b_g (gravity - 3) + b_a (age - 15)
# + u_i + N(0, 1); tier boundaries below (court and custody boundaries move
# by ethnicity and authority).
_TIER_CUTS = np.array([0.6, 0.95, 1.15, 2.3, 4.0])
_B_J, _B_FORMAL, _B_COURT, _B_GRAV, _B_AGE = 0.08, 0.30, 0.30, 0.45, 0.10
#: Offending rate (a year) = L0 exp(L1 z + 0.15 male) Gamma(L2, 1/L2), and the
#: probability of offending again after each offence = expit(C0 + C1 z + ...).
_LAMBDA = (1.25, 0.35, 2.0)
_CONT = (0.15, 0.55)
#: Diversion first: latent shift while the child has no formal outcome yet.
_B_DIVERT = 0.75
#: Mean number of further offences dealt with at the same outcome, by tier
#: (diversion, caution, conditional caution, court).
_EXTRA_OFFENCES = np.array([0.2, 0.35, 0.5, 0.9])

_OUTCOME_LAG = {  # (minimum days, median of the lognormal part, sigma)
    "Community resolution": (5, 16, 0.6),
    "Outcome 22": (7, 20, 0.6),
    "Youth caution": (14, 26, 0.5),
    "Youth conditional caution": (21, 30, 0.5),
    "court": (45, 70, 0.5),
}

_PROGRAMME_OF_OUTCOME = {
    "Outcome 22": "Outcome 22",
    "Community resolution": "Community resolution",
    "Youth caution": "Youth caution",
    "Youth conditional caution": "Youth conditional caution",
    "Referral order": "Referral order",
    "Youth rehabilitation order": "Youth rehabilitation order",
    "Detention and training order": "Detention and training order",
    "Section 250 detention": "Detention and training order",
}

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

_DETAILED = {
    "White": (
        ("White British", "White Irish", "Gypsy or Irish Traveller", "Roma",
         "Any other White background"),
        (0.88, 0.01, 0.01, 0.005, 0.095),
    ),
    "Mixed": (
        ("White and Black Caribbean", "White and Black African", "White and Asian",
         "Any other Mixed or Multiple background"),
        (0.35, 0.15, 0.25, 0.25),
    ),
    "Asian": (
        ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Any other Asian background"),
        (0.30, 0.35, 0.12, 0.05, 0.18),
    ),
    "Black": (("African", "Caribbean", "Any other Black background"), (0.60, 0.25, 0.15)),
    "Other": (("Arab", "Any other ethnic group"), (0.35, 0.65)),
}


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _day(text: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int((np.datetime64(text, "D") - _EPOCH).astype(np.int64))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _choice(rng: np.random.Generator, p: np.ndarray, n: int | None = None) -> np.ndarray:
    """Vectorised categorical draw: one row of probabilities per draw (or one for all)."""
    p = np.asarray(p, dtype=float)
    if p.ndim == 1:
        cum = np.cumsum(p / p.sum())
        return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(p) - 1)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(p.shape[0])[:, None]
    return np.minimum((u >= cum).sum(axis=1), p.shape[1] - 1)


def _lognormal_days(rng, spec, n):
    low, median, sigma = spec
    return low + median * np.exp(sigma * rng.standard_normal(n))


def _to_dates(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    out = (_EPOCH + np.floor(days).astype(np.int64)).astype("datetime64[ns]")
    if missing is not None:
        out = out.copy()
        out[missing] = np.datetime64("NaT")
    return pd.Series(out, dtype="datetime64[ns]")


def _boolean(values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    arr = pd.array(np.asarray(values, dtype=bool), dtype="boolean")
    if missing is not None:
        arr[np.asarray(missing, dtype=bool)] = pd.NA
    return pd.Series(arr)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Identifiers ``prefix`` + zero-padded 1..n (vectorised string operations)."""
    width = max(width, len(str(n)))
    strings = getattr(np, "strings", np.char)  # numpy >= 2 has the faster ufuncs
    return strings.add(prefix, strings.zfill(np.arange(1, n + 1).astype(str), width))


def _labels(codes: tuple[str, ...], index: np.ndarray) -> np.ndarray:
    return np.asarray(codes, dtype=object)[index]


def _fy_start(label: str) -> int:
    """Start year of a financial-year label such as ``"2021/22"``."""
    text = str(label).strip()
    parts = text.split("/")
    ok = len(parts) == 2 and parts[0].isdigit() and len(parts[0]) == 4 and parts[1].isdigit()
    if not ok or (int(parts[0]) + 1) % 100 != int(parts[1]) % 100:
        raise ValueError(f"financial year must look like '2021/22', got {label!r}")
    return int(parts[0])


@lru_cache(maxsize=1)
def _codelists() -> dict[str, Any]:
    root = importlib.resources.files("cohort.data_dictionary")
    return yaml.safe_load(root.joinpath("codelists.yaml").read_text(encoding="utf-8"))


def _codes(name: str, **attrs: Any) -> list[str]:
    """Codes of one code list, optionally only those with given attributes."""
    return [
        c["code"]
        for c in _codelists()[name]["codes"]
        if all(c.get(k) == v for k, v in attrs.items())
    ]


@lru_cache(maxsize=1)
def _table_fields() -> dict[str, list[str]]:
    root = importlib.resources.files("cohort.data_dictionary").joinpath("tables")
    out = {}
    for name in TABLES:
        schema = yaml.safe_load(root.joinpath(f"{name}.yaml").read_text(encoding="utf-8"))
        out[name] = [f["name"] for f in schema["fields"]]
    return out


def _calibration_targets() -> list[dict[str, str]]:
    """The reference figures the generator is calibrated to (package data)."""
    path = importlib.resources.files("cohort.data").joinpath("calibration_targets.csv")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


# ---------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------


@dataclass
class _People:
    """Column arrays of the children table, appended group by group."""

    cols: dict[str, list[np.ndarray]] = field(default_factory=dict)
    n: int = 0

    def add(self, **arrays: np.ndarray) -> np.ndarray:
        size = len(next(iter(arrays.values())))
        for k, v in arrays.items():
            self.cols.setdefault(k, []).append(np.asarray(v))
        index = np.arange(self.n, self.n + size)
        self.n += size
        return index

    def get(self, name: str) -> np.ndarray:
        return np.concatenate(self.cols[name])


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


# ---------------------------------------------------------------------------
# Children who enter the service
# ---------------------------------------------------------------------------


def _entrant_attributes(
    rng: np.random.Generator, n: int, male: np.ndarray | float
) -> dict[str, np.ndarray]:
    """Risk and characteristics of children known to the service.

    ``male`` is either the sex of each child or the probability of a boy.
    """
    z = rng.standard_normal(n)
    if np.ndim(male) == 0:
        male = rng.random(n) < male
    care_u = rng.random(n)
    p_lac = _expit(-1.85 + 0.7 * z)
    care = np.where(care_u < p_lac, 1, np.where(care_u < p_lac + 0.03, 2, 0))
    care = np.where(rng.random(n) < 0.01, 3, care)  # Unknown
    s = 0.45 * z + rng.standard_normal(n) + 0.25 * male
    send = np.digitize(s, [0.42, 1.05])  # 0 none, 1 SEN Support, 2 EHCP
    send = np.where(rng.random(n) < 0.015, 3, send)  # Unknown
    fsm = rng.random(n) < _expit(-0.3 + 0.5 * z)
    return {"z": z, "male": male, "care": care, "send": send, "fsm": fsm}


_CARE_CODES = ("Not looked after", "Looked after", "Care leaver", "Unknown")
_SEND_CODES = ("No SEN Identified", "SEN Support", "EHCP", "Unknown")


def _ethnicity_draw(
    rng: np.random.Generator, shares: np.ndarray, rr: np.ndarray | None = None
) -> np.ndarray:
    """Ethnic group index per row of population shares (rows, 5)."""
    w = shares if rr is None else shares * rr[None, :]
    return _choice(rng, w)


# ---------------------------------------------------------------------------
# Careers: offences and outcomes
# ---------------------------------------------------------------------------


@dataclass
class _Career:
    child: np.ndarray  # index into people
    auth: np.ndarray
    birth: np.ndarray  # day number
    t0: np.ndarray  # first offence day
    male: np.ndarray
    eth: np.ndarray  # ethnic index 0..4 (true group)
    z: np.ndarray
    care: np.ndarray
    force_formal: np.ndarray


def _gravity(rng, group: np.ndarray) -> np.ndarray:
    return 1 + _choice(rng, _GRAVITY_P[group])


def _offending(
    c: _Career, ap: dict[str, np.ndarray], rng: np.random.Generator, data_end: int
) -> dict[str, np.ndarray]:
    """Simulate careers event by event (vectorised over children)."""
    n = len(c.child)
    male = c.male.astype(float)
    lam = _LAMBDA[0] * np.exp(_LAMBDA[1] * c.z + 0.15 * male) * rng.gamma(
        _LAMBDA[2], 1 / _LAMBDA[2], n
    )  # offences a year
    cont = _expit(_CONT[0] + _CONT[1] * c.z + 0.35 * male + 0.35 * (c.care == 1)
                  + ap["reoff"][c.auth])
    u = 0.35 * c.z + 0.35 * rng.standard_normal(n)
    court_shift = np.array([_COURT_SHIFT[e] for e in _ETHNIC])[c.eth]
    cust_shift = np.array([_CUSTODY_SHIFT[e] for e in _ETHNIC])[c.eth] + ap["cust"][c.auth]
    age18 = c.birth + 18 * _YEAR

    active = np.ones(n, dtype=bool)
    last = c.t0.astype(float).copy()
    free = c.t0.astype(float).copy()
    n_formal = np.zeros(n, dtype=np.int64)
    n_court = np.zeros(n, dtype=np.int64)
    out: dict[str, list[np.ndarray]] = {}

    def keep(**arrays):
        for k, v in arrays.items():
            out.setdefault(k, []).append(v)

    for j in range(MAX_EVENTS):
        if j == 0:
            date = c.t0.astype(float)
        else:
            active &= rng.random(n) < cont
            gap = 7 + rng.exponential(1.0, n) / lam * _YEAR
            date = np.maximum(last + gap, free + rng.uniform(7, 60, n))
        active &= (date < age18) & (date <= data_end)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        m = idx.size
        d = date[idx]
        age = (d - c.birth[idx]) / _YEAR
        sex_p = np.where(c.male[idx, None], _GROUP_P_MALE[None, :], _GROUP_P_FEMALE[None, :])
        group = _choice(rng, sex_p)
        grav = _gravity(rng, group)
        # repeat offences are a little more serious, within the group's range
        grav = np.minimum(_GRAVITY_MAX[group], grav + (rng.random(m) < 0.05 * min(j, 4)))
        latent = (
            _B_J * min(j, 4)
            + _B_FORMAL * np.minimum(n_formal[idx], 3)
            + _B_COURT * (n_court[idx] > 0)
            - _B_DIVERT * (n_formal[idx] == 0)
            + _B_GRAV * (grav - 3)
            + _B_AGE * (age - 15)
            + u[idx]
            + rng.standard_normal(m)
        )
        cuts = np.broadcast_to(_TIER_CUTS, (m, 5)).copy()
        cuts[:, 2:] -= court_shift[idx, None]
        cuts[:, 4] -= cust_shift[idx]
        tier = (latent[:, None] > cuts).sum(axis=1)
        if j == 0:
            tier = np.where(c.force_formal[idx] & (tier == 0), 1 + (rng.random(m) < 0.3), tier)
        outcome = _outcome_codes(rng, tier, grav, n_court[idx] > 0)
        lag = np.empty(m)
        for name in ("Community resolution", "Outcome 22", "Youth caution",
                     "Youth conditional caution"):
            sel = outcome == name
            lag[sel] = _lognormal_days(rng, _OUTCOME_LAG[name], sel.sum())
        sel = tier >= 3
        lag[sel] = _lognormal_days(rng, _OUTCOME_LAG["court"], sel.sum())
        lag = np.minimum(lag, 300)
        odate = d + lag
        custody = tier == 5
        months = np.where(
            outcome == "Section 250 detention",
            rng.choice([24, 30, 36, 48, 60], m),
            rng.choice([4, 6, 8, 10, 12, 18, 24], m, p=[0.25, 0.2, 0.15, 0.1, 0.15, 0.1, 0.05]),
        )
        order_days = months * _YEAR / 12
        release = np.where(custody, odate + order_days / 2, np.nan)
        keep(
            cidx=idx, j=np.full(m, j), offence=d, outcome_day=odate, group=group, grav=grav,
            outcome=outcome, tier=tier, order_days=np.where(custody, order_days, np.nan),
            release=release, age=age,
        )
        last[idx] = d
        free[idx] = np.where(custody, release, np.maximum(free[idx], d))
        n_formal[idx] += tier >= 1
        n_court[idx] += tier >= 3
    return {k: np.concatenate(v) for k, v in out.items()}


def _outcome_codes(rng, tier, grav, prior_court) -> np.ndarray:
    m = len(tier)
    out = np.empty(m, dtype=object)
    r = rng.random(m)
    out[tier == 0] = np.where(r[tier == 0] < 0.62, "Community resolution", "Outcome 22")
    out[tier == 1] = "Youth caution"
    out[tier == 2] = "Youth conditional caution"
    t3 = tier == 3
    first = np.array(
        ["Referral order", "Absolute or conditional discharge", "Fine", "Other court outcome"],
        dtype=object,
    )
    p_first = np.where(
        prior_court[t3, None], [[0.35, 0.15, 0.25, 0.25]], [[0.80, 0.07, 0.05, 0.08]]
    )
    out[t3] = first[_choice(rng, p_first)]
    out[tier == 4] = "Youth rehabilitation order"
    t5 = tier == 5
    s250 = (grav[t5] >= 7) & (r[t5] < 0.6)
    out[t5] = np.where(s250, "Section 250 detention", "Detention and training order")
    return out


def _pop_shares(pop: np.ndarray, a: np.ndarray, yi: np.ndarray, sex: int | None = None):
    """Ethnic shares (rows, 5) for authorities ``a`` in year positions ``yi``."""
    counts = pop[a, yi].sum(axis=1)  # over age -> (rows, sex, eth)
    counts = counts.sum(axis=1) if sex is None else counts[:, sex]
    return counts / counts.sum(axis=1, keepdims=True)


def _record_ethnicity(rng: np.random.Generator, eth: np.ndarray, p_unknown: float) -> np.ndarray:
    """Recorded ethnic group: the true group, or Unknown (index 5) for a few."""
    return np.where(rng.random(len(eth)) < p_unknown, 5, eth)


def _entrant_years(y0: int, y1: int) -> np.ndarray:
    """Financial years (start years) in which careers begin."""
    return np.arange(y0 - _BURN_IN_YEARS, y1 + 1)


def _career_entrants(
    ap, pop, sim_years, rng, people: _People, y0: int, y1: int, girls_taken: np.ndarray
) -> _Career:
    """Children whose first proven offence (any outcome) falls in each year.

    ``girls_taken`` (authority x entry year) counts girls whose career the
    Community Youth Connectors simulation has already started (each with a
    formal outcome); twice as many regular girls are removed here, so that
    the project changes who offends, not how many first time entrants there
    are.
    """
    n_auth = len(ap["pop"])
    fys = _entrant_years(y0, y1)
    yi = np.searchsorted(sim_years, fys)
    total = pop[:, yi].sum(axis=(2, 3, 4))  # (A, fy)
    rate = ap["fte"][:, None] * (1 + ap["trend"][:, None]) ** (fys[None, :] - 2021)
    expected = rate * total / 1e5 * _ENTRANTS_PER_FTE
    boys = rng.poisson(expected * _P_MALE_ENTRANT)
    # each project girl with a formal outcome replaces two regular girls
    # (about the number of entrants per formal entrant among girls)
    girls = np.maximum(rng.poisson(expected * (1 - _P_MALE_ENTRANT)) - 2 * girls_taken, 0)
    counts = np.stack([boys, girls], axis=-1)  # (A, fy, sex)
    auth = np.repeat(np.repeat(np.arange(n_auth), 2 * len(fys)), counts.ravel())
    fy_i = np.repeat(np.tile(np.repeat(np.arange(len(fys)), 2), n_auth), counts.ravel())
    male = np.repeat(np.tile([True, False], n_auth * len(fys)), counts.ravel())
    n = len(auth)
    t0 = np.array([_day(f"{y}-04-01") for y in fys])[fy_i] + rng.integers(0, 365, n)
    age = 10 + _choice(rng, _FIRST_AGE_W, n) + rng.random(n)
    birth = t0 - age * _YEAR
    att = _entrant_attributes(rng, n, male)
    rr = np.array([_ENTRY_RR[e] for e in _ETHNIC])
    shares = _pop_shares(pop, auth, yi[fy_i])
    eth = _ethnicity_draw(rng, shares, rr)
    idx = people.add(
        auth=auth, birth=birth, male=att["male"], eth=eth,
        eth_rec=_record_ethnicity(rng, eth, 0.02), care=att["care"], send=att["send"],
        fsm=att["fsm"], z=att["z"],
    )
    return _Career(idx, auth, birth, t0.astype(float), att["male"], eth, att["z"], att["care"],
                   np.zeros(n, dtype=bool))


def _prevention_children(ap, pop, sim_years, rng, people: _People, y0: int, y1: int):
    """Children referred for prevention (Prevention or Turnaround) without an offence."""
    n_auth = len(ap["pop"])
    fys = np.arange(y0, y1 + 1)
    yi = np.searchsorted(sim_years, fys)
    total = pop[:, yi].sum(axis=(2, 3, 4))
    counts = rng.poisson(total * 0.0016)
    auth = np.repeat(np.repeat(np.arange(n_auth), len(fys)), counts.ravel())
    fy_i = np.repeat(np.tile(np.arange(len(fys)), n_auth), counts.ravel())
    n = len(auth)
    start = np.array([_day(f"{y}-04-01") for y in fys])[fy_i] + rng.integers(0, 365, n)
    age = 10 + _choice(rng, [6, 8, 11, 13, 14, 13, 10, 6], n) + rng.random(n)
    birth = start - age * _YEAR
    att = _entrant_attributes(rng, n, 0.68)
    rr = np.array([1.0, 1.4, 0.9, 1.6, 1.2])
    eth = _ethnicity_draw(rng, _pop_shares(pop, auth, yi[fy_i]), rr)
    idx = people.add(
        auth=auth, birth=birth, male=att["male"], eth=eth,
        eth_rec=_record_ethnicity(rng, eth, 0.03), care=att["care"], send=att["send"],
        fsm=att["fsm"], z=att["z"] - 0.4,
    )
    end = start + rng.uniform(90, 270, n)
    turnaround = (start >= _day(str(_TURNAROUND_START))) & (rng.random(n) < 0.6)
    return {
        "child": idx, "auth": auth, "start": start.astype(float), "end": end,
        "programme": np.where(turnaround, "Turnaround", "Prevention").astype(object),
    }


def _cyc_authorities(ap) -> list[int]:
    """The (up to) two most populous authorities run Community Youth Connectors."""
    order = np.argsort(-ap["pop"], kind="stable")
    return sorted(order[:2].tolist()) if len(order) >= 3 else [0]


def _cyc(ap, pop, sim_years, rng, people: _People, y0, y1, data_end, scale):
    """Community Youth Connectors: participants, pool, attendance, later offending.

    One cohort per academic year whose baseline year and programme year both
    lie in the data (at most the three latest). Candidates are girls aged
    11-15; participants are chosen on observed characteristics; the first
    offence with a formal outcome within 12 months of the programme start
    has a hazard halved for participants; attendance rises 6.5 points.
    """
    cyc_auth = _cyc_authorities(ap)
    years = list(range(max(y0, y1 - 3), y1))  # programme academic years starting in September
    fys = _entrant_years(y0, y1)
    girls_taken = np.zeros((len(ap["pop"]), len(fys)), dtype=np.int64)
    empty_career = _Career(*[np.zeros(0, dtype=t) for t in
                             (np.int64, np.int64, float, float, bool, np.int64, float,
                              np.int64, bool)])
    out = {"authorities": cyc_auth if years else [], "entrants": empty_career,
           "attendance": None, "interventions": None, "girls_taken": girls_taken}
    if not years:
        return out
    n_part = max(5, int(round(_CYC_PER_YEAR * scale)))
    n_cand = (1 + _CYC_POOL_RATIO) * n_part
    a_list, y_list = np.meshgrid(np.array(cyc_auth), np.array(years), indexing="ij")
    a_rep = np.repeat(a_list.ravel(), n_cand)
    y_rep = np.repeat(y_list.ravel(), n_cand)
    n = len(a_rep)
    sept = np.array([_day(f"{y}-09-01") for y in y_rep])
    age = 11 + 5 * rng.random(n)
    birth = sept - age * _YEAR
    yi = np.searchsorted(sim_years, y_rep)
    eth = _ethnicity_draw(rng, _pop_shares(pop, a_rep, yi, sex=1))
    fsm = rng.random(n) < 0.24
    send = _choice(rng, [0.82, 0.14, 0.04], n)
    lac = rng.random(n) < 0.012
    sen_sup, ehcp = send == 1, send == 2
    logit_mu = (np.log(0.93 / 0.07) - 0.35 * fsm - 0.3 * sen_sup - 0.45 * ehcp - 0.4 * lac
                - 0.08 * (age - 13) + 0.45 * rng.standard_normal(n))
    mu = _expit(logit_mu)
    # attendance rows: baseline academic year (y - 1) and programme year (y), three terms
    possible = np.stack(
        [2 * rng.integers(68, 73, (n, 2)), 2 * rng.integers(55, 61, (n, 2)),
         2 * rng.integers(60, 66, (n, 2))], axis=2
    )  # (n, year, term)
    noise = rng.normal(0, 0.05, (n, 2, 3))  # term-to-term variation
    base_rate = np.clip(mu[:, None] + noise[:, 0, :], 0.2, 1.0)
    base_att = rng.binomial(possible[:, 0, :], base_rate)
    base_obs = base_att.sum(axis=1) / possible[:, 0, :].sum(axis=1)
    eta = (1.0 * fsm + 0.6 * sen_sup + 0.9 * ehcp + 1.2 * lac + 12 * (0.9 - base_obs)
           + 0.25 * (age - 13))
    gumbel = -np.log(-np.log(rng.random(n)))
    part = np.zeros(n, dtype=bool)
    for k in range(a_list.size):  # one selection per authority and year
        block = slice(k * n_cand, (k + 1) * n_cand)
        top = np.argsort(-(eta[block] + gumbel[block]), kind="stable")[:n_part]
        part[k * n_cand + top] = True
    effect = _CYC_ATTENDANCE_EFFECT * part[:, None]
    prog_rate = np.clip(mu[:, None] - 0.01 + effect + noise[:, 1, :], 0.2, 1.0)
    prog_att = rng.binomial(possible[:, 1, :], prog_rate)
    z = 0.8 * (0.9 - mu) / 0.06 + 0.6 * rng.standard_normal(n)
    care = np.where(lac, 1, 0)
    idx = people.add(
        auth=a_rep, birth=birth, male=np.zeros(n, dtype=bool), eth=eth,
        eth_rec=_record_ethnicity(rng, eth, 0.02), care=care, send=send, fsm=fsm, z=z,
    )
    # programme (and, for the pool, reference) start dates; a first offence
    # with a formal outcome within 12 months, hazard ratio 0.5 for participants
    start = sept + rng.integers(14, 75, n)
    h = _CYC_BASE_HAZARD * np.exp(0.6 * fsm + 0.5 * (send > 0) + 1.0 * lac
                                  + 8 * (0.9 - mu) + 0.15 * (age - 13))
    h = np.where(part, _CYC_HAZARD_RATIO * h, h)
    t = rng.exponential(1.0, n) / h
    event = start + t * _YEAR
    has = (t < 1.0) & (event < birth + 18 * _YEAR) & (event <= data_end)
    sel = np.flatnonzero(has)
    entrants = _Career(idx[sel], a_rep[sel], birth[sel], event[sel], np.zeros(sel.size, bool),
                       eth[sel], z[sel], care[sel], np.ones(sel.size, dtype=bool))
    ev_fy = 1970 + ((event[sel] - _day("1970-04-01")) // _YEAR).astype(np.int64)
    np.add.at(girls_taken, (a_rep[sel], np.searchsorted(fys, ev_fy)), 1)
    att_rows = {
        "child": np.repeat(idx, 6),
        "auth": np.repeat(a_rep, 6),
        "year": (y_rep[:, None] + np.array([-1, -1, -1, 0, 0, 0])[None, :]).ravel(),
        "term": np.tile(np.arange(3), 2 * n),
        "possible": possible.reshape(n, 6).ravel(),
        "attended": np.concatenate([base_att, prog_att], axis=1).ravel(),
    }
    pi = np.flatnonzero(part)
    end = start[pi] + rng.uniform(150, 250, pi.size)
    status = _choice(rng, [0.88, 0.09, 0.0, 0.03], pi.size)
    out.update(
        entrants=entrants, attendance=att_rows, girls_taken=girls_taken,
        interventions={"child": idx[pi], "auth": a_rep[pi], "start": start[pi].astype(float),
                       "end": end, "status": status},
    )
    return out


_STATUS = ("Completed", "Partially completed", "Not completed", "Refused", "Ongoing")


def _offence_rows(ev: dict[str, np.ndarray], career: _Career, rng, data_end: int):
    """Main offences, offences dealt with alongside them, and breaches."""
    keep = ev["outcome_day"] <= data_end
    ev = {k: v[keep] for k, v in ev.items()}
    m = len(ev["cidx"])
    tier, outcome = ev["tier"], ev["outcome"]
    # order lengths of community orders (custody lengths come from the career)
    ro = outcome == "Referral order"
    yro = outcome == "Youth rehabilitation order"
    months = np.where(
        ro, rng.choice([3, 4, 6, 9, 12], m, p=[0.25, 0.2, 0.3, 0.15, 0.1]),
        rng.choice([6, 9, 12, 18, 24], m, p=[0.25, 0.2, 0.3, 0.15, 0.1]),
    )
    ev["order_days"] = np.where(ro | yro, months * _YEAR / 12, ev["order_days"])
    # offences dealt with at the same outcome
    n_extra = np.minimum(rng.poisson(_EXTRA_OFFENCES[np.minimum(tier, 3)]), 4)
    src = np.repeat(np.arange(m), n_extra)
    k = src.size
    cidx = ev["cidx"][src]
    child_male = career.male[cidx]
    e_group = _choice(rng, np.where(child_male[:, None], _GROUP_P_MALE, _GROUP_P_FEMALE))
    e_grav = _gravity(rng, e_group)
    e_grav = np.minimum(e_grav, np.maximum(ev["grav"][src], _GRAVITY_MIN[e_group]))
    min_day = career.birth[cidx] + 10 * _YEAR + 1
    e_day = np.maximum(ev["offence"][src] - rng.uniform(0, 45, k), min_day)
    e_day = np.minimum(e_day, ev["offence"][src])
    # breaches of court orders, during the order
    p_breach = np.select(
        [ro, yro, outcome == "Detention and training order"], [0.05, 0.15, 0.10], 0.0
    )
    breached = rng.random(m) < p_breach
    b = np.flatnonzero(breached)
    b_day = ev["outcome_day"][b] + rng.uniform(0.15, 0.8, b.size) * ev["order_days"][b]
    b_out_day = b_day + _lognormal_days(rng, (20, 30, 0.5), b.size)
    b_outcome = np.array(
        ["Fine", "Other court outcome", "Youth rehabilitation order",
         "Detention and training order"], dtype=object
    )[_choice(rng, [0.25, 0.40, 0.30, 0.05], b.size)]
    ok = (b_day < career.birth[ev["cidx"][b]] + 18 * _YEAR) & (b_out_day <= data_end)
    b, b_day, b_out_day, b_outcome = b[ok], b_day[ok], b_out_day[ok], b_outcome[ok]
    breached = np.zeros(m, dtype=bool)
    breached[b] = True
    ev["breached"] = breached
    b_release = np.where(b_outcome == "Detention and training order", b_out_day + 61, np.nan)
    groups = np.asarray(_OFFENCE_GROUPS + (_BREACH_GROUP,), dtype=object)
    rows = {
        "cidx": np.concatenate([ev["cidx"], cidx, ev["cidx"][b]]),
        "offence": np.concatenate([ev["offence"], e_day, b_day]),
        "outcome_day": np.concatenate([ev["outcome_day"], ev["outcome_day"][src], b_out_day]),
        "outcome": np.concatenate([outcome, outcome[src], b_outcome]),
        "group": groups[np.concatenate([ev["group"], e_group, np.full(b.size, 12)])],
        "grav": np.concatenate([ev["grav"], e_grav, 3 + (rng.random(b.size) < 0.5)]),
        "is_breach": np.concatenate([np.zeros(m + k, dtype=bool), np.ones(b.size, dtype=bool)]),
        "release": np.concatenate([ev["release"], ev["release"][src], b_release]),
    }
    # order rows by authority, child and date; remember where the main rows went
    order = np.lexsort((rows["offence"], career.child[rows["cidx"]], career.auth[rows["cidx"]]))
    rows = {k2: v[order] for k2, v in rows.items()}
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    ev["offence_pos"] = position[:m]
    return rows, ev


def _status(rng, n: int, p: list[float]) -> np.ndarray:
    return _choice(rng, p, n)


def _interventions(ev, career: _Career, prevention, cyc, rng, win_start: int, data_end: int):
    """Intervention episodes from outcomes, remands, prevention and the CYC project."""
    parts = []
    programme = np.array([_PROGRAMME_OF_OUTCOME.get(o, "") for o in ev["outcome"]], dtype=object)
    has = programme != ""
    i = np.flatnonzero(has)
    prog = programme[i]
    start = ev["outcome_day"][i]
    n = i.size
    dur = np.select(
        [prog == "Community resolution", prog == "Outcome 22", prog == "Youth caution",
         prog == "Youth conditional caution"],
        [rng.uniform(30, 120, n), rng.uniform(30, 120, n), rng.uniform(45, 120, n),
         rng.uniform(60, 125, n)],
        ev["order_days"][i],
    )
    oocd = np.isin(prog, ["Community resolution", "Outcome 22", "Youth caution",
                          "Youth conditional caution"])
    custody = prog == "Detention and training order"
    status = np.where(
        oocd, _status(rng, n, [0.58, 0.22, 0.13, 0.07]),
        np.where(custody, _status(rng, n, [0.80, 0.10, 0.10, 0.0]),
                 _status(rng, n, [0.72, 0.12, 0.16, 0.0])),
    )
    br = ev["breached"][i]
    status = np.where(br, np.where(rng.random(n) < 0.6, 2, 1), status)
    parts.append({"child": career.child[ev["cidx"][i]], "auth": career.auth[ev["cidx"][i]],
                  "programme": prog, "start": start, "end": start + dur, "status": status,
                  "offence_pos": ev["offence_pos"][i], "tier": ev["tier"][i]})
    # bail and remand episodes for some court cases, from charge to sentence
    court = ev["tier"] >= 3
    p_remand = 0.12 + 0.25 * (ev["tier"] >= 4) + 0.3 * (ev["tier"] == 5)
    r = np.flatnonzero(court & (rng.random(len(court)) < p_remand))
    r_start = ev["offence"][r] + rng.uniform(1, 21, r.size)
    parts.append({"child": career.child[ev["cidx"][r]], "auth": career.auth[ev["cidx"][r]],
                  "programme": np.full(r.size, "Bail and remand", dtype=object),
                  "start": r_start, "end": ev["outcome_day"][r],
                  "status": _status(rng, r.size, [0.85, 0.0, 0.15, 0.0]),
                  "offence_pos": ev["offence_pos"][r], "tier": np.full(r.size, -1)})
    # Turnaround or prevention after a first, informal outcome
    t = np.flatnonzero((ev["j"] == 0) & (ev["tier"] == 0) & (rng.random(len(court)) < 0.3))
    t_start = ev["outcome_day"][t] + rng.uniform(0, 21, t.size)
    turn = (t_start >= _day(str(_TURNAROUND_START))) & (rng.random(t.size) < 0.7)
    parts.append({"child": career.child[ev["cidx"][t]], "auth": career.auth[ev["cidx"][t]],
                  "programme": np.where(turn, "Turnaround", "Prevention").astype(object),
                  "start": t_start, "end": t_start + rng.uniform(90, 200, t.size),
                  "status": _status(rng, t.size, [0.65, 0.15, 0.10, 0.10]),
                  "offence_pos": np.full(t.size, -1), "tier": np.full(t.size, -2)})
    p = prevention
    k = len(p["child"])
    parts.append({"child": p["child"], "auth": p["auth"], "programme": p["programme"],
                  "start": p["start"], "end": p["end"],
                  "status": _status(rng, k, [0.65, 0.15, 0.10, 0.10]),
                  "offence_pos": np.full(k, -1), "tier": np.full(k, -2)})
    if cyc["interventions"] is not None:
        c = cyc["interventions"]
        k = len(c["child"])
        parts.append({"child": c["child"], "auth": c["auth"],
                      "programme": np.full(k, "Community Youth Connectors", dtype=object),
                      "start": c["start"], "end": c["end"], "status": c["status"],
                      "offence_pos": np.full(k, -1), "tier": np.full(k, -3)})
    out = {key: np.concatenate([q[key] for q in parts]) for key in parts[0]}
    out["start"] = np.floor(out["start"])
    out["end"] = np.maximum(np.floor(out["end"]), out["start"])
    open_ = out["end"] > data_end
    out["status"] = np.where(open_, 4, out["status"])
    out["end"] = np.where(open_, np.nan, out["end"])
    keep = (out["start"] <= data_end) & (open_ | (out["end"] >= win_start))
    out = {key: v[keep] for key, v in out.items()}
    order = np.lexsort((out["start"], out["child"], out["auth"]))
    return {key: v[order] for key, v in out.items()}


def _school_age(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Of compulsory school age: before the end of June of the school year they turn 16."""
    bd = (_EPOCH + np.floor(birth).astype(np.int64)).astype("datetime64[M]").astype(np.int64)
    year, month = 1970 + bd // 12, bd % 12 + 1
    leave_year = year + 16 + (month >= 9)
    leave = (np.asarray(leave_year - 1970, dtype="datetime64[Y]").astype("datetime64[D]")
             + np.timedelta64(180, "D")).astype(np.int64)  # 30 June (29 in leap years)
    return day < leave


_SCHOOL_TYPES = ("Mainstream", "Alternative Provision", "Home Schooled", "School Refuser",
                 "Secure Unit", "SEMH and Behaviour")
_POST16_TYPES = ("Further education", "Training or apprenticeship", "Employment", "Not in ETE")


def _kpi_records(iv, people: _People, rng, win_start: int):
    """One KPI record per ended episode of a KPI-cohort programme."""
    kpi_programmes = _codes("programme", kpi_cohort=True)
    sel = np.flatnonzero(np.isin(iv["programme"], kpi_programmes) & ~np.isnan(iv["end"])
                         & (np.nan_to_num(iv["end"], nan=0) >= win_start))
    n = sel.size
    child = iv["child"][sel]
    day = iv["end"][sel]
    prog = iv["programme"][sel]
    male = people.get("male")[child]
    care = people.get("care")[child]
    send = people.get("send")[child]
    z = people.get("z")[child]
    birth = people.get("birth")[child]
    lac, leaver = care == 1, care == 2
    court = np.isin(prog, ["Referral order", "Youth rehabilitation order",
                           "Detention and training order", "Bail and remand"])
    secure = np.isin(prog, ["Detention and training order", "Bail and remand"])
    school = _school_age(birth, day)
    age = (day - birth) / _YEAR
    # accommodation
    p_uns = 0.055 * np.exp(0.6 * (lac | leaver) + 0.5 * secure + 0.2 * z)
    u = rng.random(n)
    accommodation = np.where(u < 0.015, "Unknown", np.where(u < 0.015 + p_uns, "Unsuitable",
                                                             "Suitable")).astype(object)
    # ETE type
    p_school = np.where(
        court[:, None], [[0.30, 0.45, 0.01, 0.06, 0.06, 0.12]],
        [[0.49, 0.37, 0.01, 0.05, 0.0, 0.07]],
    ).copy()
    p_school[:, 4] += 0.45 * secure
    p_school[:, 5] += 0.05 * (send == 2)
    school_type = _choice(rng, p_school)
    p_post = np.where(court[:, None], [[0.30, 0.14, 0.08, 0.48]], [[0.40, 0.18, 0.10, 0.32]])
    post_type = _choice(rng, p_post)
    ete = np.where(school, _labels(_SCHOOL_TYPES, school_type),
                   _labels(_POST16_TYPES, post_type)).astype(object)
    # hours offered and attended (25 or more is the published threshold)
    p_off = np.where(school, np.array([0.97, 0.78, 0.3, 0.45, 0.97, 0.78])[school_type],
                     np.array([0.31, 0.70, 0.92, 0.0])[post_type])
    p_att = np.where(school, np.array([0.74, 0.60, 0.6, 0.05, 0.97, 0.62])[school_type],
                     np.array([0.95, 0.95, 0.97, 0.0])[post_type])
    off25 = rng.random(n) < p_off
    att25 = off25 & (rng.random(n) < p_att)
    offered = np.where(off25, rng.uniform(25, 32.5, n), rng.uniform(2, 24.5, n))
    not_in = ete == "Not in ETE"
    offered = np.where(not_in, 0.0, offered)
    attended = np.where(att25, 25 + (offered - 25) * rng.random(n),
                        np.minimum(offered, 24.5) * rng.beta(2.5, 1.5, n))
    offered, attended = np.round(offered, 1), np.round(attended, 1)
    p_suit = np.where(school, np.array([0.90, 0.73, 0.5, 0.08, 0.95, 0.78])[school_type],
                      np.array([0.90, 0.92, 0.95, 0.0])[post_type])
    suitable = rng.random(n) < p_suit
    suitable_missing = rng.random(n) < 0.04
    # SEND and needs
    sen = send
    plan = (sen == 2) & (rng.random(n) < 0.95)
    semh = rng.random(n) < np.where((sen == 1) | (sen == 2), 0.75, 0.28)
    mh = rng.random(n) < _expit(-1.17 + 0.75 * ~male + 0.6 * lac + 0.7 * semh + 0.25 * z)
    mh_off = mh & (rng.random(n) < 0.85)
    mh_att = mh_off & (rng.random(n) < 0.7)
    sm = rng.random(n) < _expit(-0.85 + 0.35 * male + 0.25 * (age - 15.5) + 0.3 * z
                                + 0.3 * court)
    sm_off = sm & (rng.random(n) < 0.85)
    sm_att = sm_off & (rng.random(n) < 0.65)
    # links to wider services: cared-for children from their care status, else one level
    w = rng.random(n)
    cp = ~lac & (w < 0.072 + 0.03 * (z > 1))
    cin = ~lac & ~cp & (w < 0.30)
    eh = ~lac & ~cp & ~cin & (w < 0.73)
    return {
        "iv": sel, "day": day, "accommodation": accommodation, "ete_type": ete,
        "school_age": school, "ete_suitable": suitable, "ete_suitable_missing": suitable_missing,
        "ete_hours_offered": offered, "ete_hours_attended": attended,
        "sen_level": _labels(_SEND_CODES, sen), "send_plan_in_place": plan, "semh_need": semh,
        "mh_need": mh, "mh_offered": mh_off, "mh_attending": mh_att, "sm_need": sm,
        "sm_offered": sm_off, "sm_attending": sm_att, "early_help": eh, "child_in_need": cin,
        "child_protection": cp, "cared_for": lac,
    }


_AGE_BANDS = ("Under 18", "18-24", "25-64", "65 and over", "Unknown")
_NON_ENGAGEMENT = ("Did not consent to contact", "Could not be contacted",
                   "Declined restorative justice", "Not suitable for restorative justice",
                   "Other")


def _victims(off, career: _Career, pop, sim_years, rng, win_start: int, data_end: int):
    """Victims of offences dealt with by the service (out-of-court or court order)."""
    served = np.isin(off["outcome"], list(_PROGRAMME_OF_OUTCOME)) & ~off["is_breach"]
    gi = np.full(len(served), -1)
    for k, g in enumerate(_OFFENCE_GROUPS):
        gi[off["group"] == g] = k
    u = rng.random(len(served))
    p_person = np.where(gi >= 0, _P_VICTIM_PERSON[np.maximum(gi, 0)], 0)
    p_business = np.where(gi >= 0, _P_VICTIM_BUSINESS[np.maximum(gi, 0)], 0)
    person = served & (u < p_person)
    business = served & ~person & (u < p_person + p_business)
    base = np.flatnonzero(person | business)
    two = person[base] & (rng.random(base.size) < 0.10)
    rows = np.concatenate([base, base[two]])
    rows.sort(kind="stable")
    n = rows.size
    is_person = person[rows]
    day = np.floor(off["outcome_day"][rows] + rng.uniform(0, 14, n))
    keep = (day >= win_start) & (day <= data_end)
    rows, is_person, day = rows[keep], is_person[keep], day[keep]
    n = rows.size
    auth = career.auth[off["cidx"][rows]]
    female = rng.random(n) < 0.40
    age_band = _choice(rng, [0.42, 0.12, 0.38, 0.05, 0.03], n)
    yi = np.clip(np.searchsorted(sim_years, 1970 + (day / _YEAR).astype(int)), 0,
                 len(sim_years) - 1)
    eth = _ethnicity_draw(rng, _pop_shares(pop, auth, yi))
    eth = _record_ethnicity(rng, eth, 0.10)
    consent = rng.random(n) < np.where(is_person, 0.90, 0.75)
    contacted = consent & (rng.random(n) < 0.92)
    offered = contacted & (rng.random(n) < 0.5)
    accepted = offered & (rng.random(n) < 0.2)
    requested = contacted & (rng.random(n) < 0.3)
    provided = requested & (rng.random(n) < 0.9)
    reason = np.select(
        [~consent, ~contacted, contacted & ~offered & (rng.random(n) < 0.8),
         contacted & ~offered, offered & ~accepted],
        [0, 1, 3, 4, 2], -1,
    )
    return {
        "offence_row": rows, "auth": auth, "day": day, "person": is_person,
        "sex": np.where(female, "Female", "Male").astype(object), "age_band": age_band,
        "eth": eth, "consented_contact": consent, "contacted": contacted,
        "offered_rj": offered, "accepted_rj": accepted, "support_requested": requested,
        "support_provided": provided, "reason": reason,
    }


_AGENCIES = ("Police", "Probation", "Health", "Children's social care", "Education")
_P_AGENCY = np.array([0.86, 0.66, 0.68, 0.89, 0.77])


def _board(ap, rng, y0: int, y1: int):
    """One management board meeting a quarter per service, five agencies."""
    yjs = np.unique(ap["yjs_of"])
    quarters = [(y, q) for y in range(y0, y1 + 1) for q in range(4)]
    month_day = []
    for y, q in quarters:
        month = 4 + 3 * q + 1  # second month of the quarter
        yy, mm = (y, month) if month <= 12 else (y + 1, month - 12)
        month_day.append(_day(f"{yy}-{mm:02d}-01"))
    month_day = np.array(month_day)
    n_m = len(yjs) * len(quarters)
    day = np.tile(month_day, len(yjs)) + rng.integers(0, 21, n_m)
    weekday = (day + 3) % 7  # 0 = Monday
    day = day + np.where(weekday >= 5, 7 - weekday, 0)
    meeting_yjs = np.repeat(yjs, len(quarters))
    p = np.clip(_P_AGENCY[None, :] + ap["board"][meeting_yjs][:, None], 0.3, 0.99)
    attended = rng.random((n_m, 5)) < p
    senior = attended & (rng.random((n_m, 5)) < 0.7)
    return {"yjs": meeting_yjs, "day": day, "attended": attended, "senior": senior}


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _child_ids(people: _People) -> np.ndarray:
    auth = people.get("auth")
    order = np.lexsort((np.arange(people.n), auth))
    ids = np.empty(people.n, dtype=object)
    ids[order] = _ids("C", people.n, 6)
    return ids


def _children_table(people: _People, codes: np.ndarray, rng, child_ids) -> pd.DataFrame:
    eth = people.get("eth_rec")
    eth_labels = _labels(_ETHNIC + ("Unknown",), eth)
    detailed = np.full(people.n, None, dtype=object)
    for g, (names, p) in _DETAILED.items():
        sel = np.flatnonzero(eth_labels == g)
        detailed[sel] = _labels(names, _choice(rng, np.array(p), sel.size))
    birth = people.get("birth")
    months = (_EPOCH + np.floor(birth).astype(np.int64)).astype("datetime64[M]").astype(str)
    frame = pd.DataFrame(
        {
            "child_id": child_ids,
            "authority_code": codes[people.get("auth")],
            "birth_month": months.astype(object),
            "sex": np.where(people.get("male"), "Male", "Female").astype(object),
            "ethnicity": eth_labels,
            "ethnicity_detailed": detailed,
            "send_level": _labels(_SEND_CODES, people.get("send")),
            "care_status": _labels(_CARE_CODES, people.get("care")),
            "fsm_eligible": _boolean(people.get("fsm")),
        }
    )
    return frame.sort_values("child_id", kind="stable").reset_index(drop=True)


def _finish_offences(off, career: _Career, codes, child_ids) -> pd.DataFrame:
    n = len(off["cidx"])
    return pd.DataFrame(
        {
            "offence_id": _ids("O", n, 7),
            "child_id": child_ids[career.child[off["cidx"]]],
            "authority_code": codes[career.auth[off["cidx"]]],
            "offence_date": _to_dates(off["offence"]),
            "outcome_date": _to_dates(off["outcome_day"]),
            "outcome": off["outcome"],
            "offence_group": off["group"],
            "gravity_score": pd.array(off["grav"].astype(np.int64), dtype="Int64"),
            "is_breach": _boolean(off["is_breach"]),
            "release_date": _to_dates(np.nan_to_num(off["release"]), np.isnan(off["release"])),
        }
    )


def _finish_interventions(iv, codes, child_ids, offences: pd.DataFrame):
    n = len(iv["child"])
    ids = _ids("I", n, 7)
    has_offence = iv["offence_pos"] >= 0
    offence_id = np.where(
        has_offence, offences["offence_id"].to_numpy(dtype=object)[np.maximum(iv["offence_pos"], 0)],
        None,
    )
    frame = pd.DataFrame(
        {
            "intervention_id": ids,
            "child_id": child_ids[iv["child"]],
            "authority_code": codes[iv["auth"]],
            "programme": iv["programme"],
            "start_date": _to_dates(iv["start"]),
            "end_date": _to_dates(np.nan_to_num(iv["end"]), np.isnan(iv["end"])),
            "status": _labels(_STATUS, iv["status"]),
            "offence_id": offence_id,
        }
    )
    return frame, ids


def _finish_kpi(k, iv, codes, child_ids, int_ids) -> pd.DataFrame:
    sel = k["iv"]
    n = sel.size
    frame = pd.DataFrame(
        {
            "record_id": _ids("K", n, 7),
            "intervention_id": int_ids[sel],
            "child_id": child_ids[iv["child"][sel]],
            "authority_code": codes[iv["auth"][sel]],
            "record_date": _to_dates(k["day"]),
            "accommodation": k["accommodation"],
            "ete_type": k["ete_type"],
            "school_age": _boolean(k["school_age"]),
            "ete_suitable": _boolean(k["ete_suitable"], k["ete_suitable_missing"]),
            "ete_hours_offered": k["ete_hours_offered"].astype(float),
            "ete_hours_attended": k["ete_hours_attended"].astype(float),
            "sen_level": k["sen_level"],
        }
    )
    for name in ("send_plan_in_place", "semh_need", "mh_need", "mh_offered", "mh_attending",
                 "sm_need", "sm_offered", "sm_attending", "early_help", "child_in_need",
                 "child_protection", "cared_for"):
        frame[name] = _boolean(k[name])
    return frame


def _finish_victims(v, codes, offences: pd.DataFrame) -> pd.DataFrame:
    n = len(v["offence_row"])
    person = v["person"]
    return pd.DataFrame(
        {
            "victim_id": _ids("V", n, 7),
            "offence_id": offences["offence_id"].to_numpy(dtype=object)[v["offence_row"]],
            "authority_code": codes[v["auth"]],
            "record_date": _to_dates(v["day"]),
            "victim_type": np.where(person, "Individual", "Business or organisation").astype(
                object),
            "sex": np.where(person, v["sex"], None),
            "age_band": np.where(person, _labels(_AGE_BANDS, v["age_band"]), None),
            "ethnicity": np.where(person, _labels(_ETHNIC + ("Unknown",), v["eth"]), None),
            "consented_contact": _boolean(v["consented_contact"]),
            "contacted": _boolean(v["contacted"]),
            "offered_rj": _boolean(v["offered_rj"]),
            "accepted_rj": _boolean(v["accepted_rj"]),
            "support_requested": _boolean(v["support_requested"]),
            "support_provided": _boolean(v["support_provided"]),
            "non_engagement_reason": np.where(
                v["reason"] >= 0, _labels(_NON_ENGAGEMENT, np.maximum(v["reason"], 0)), None
            ),
        }
    )


def _finish_board(b, ap, codes) -> pd.DataFrame:
    # a service's meeting is recorded for every authority it covers
    per_auth = [np.flatnonzero(b["yjs"] == y) for y in ap["yjs_of"]]
    meeting = np.concatenate(per_auth)
    auth = np.repeat(np.arange(len(per_auth)), [len(m) for m in per_auth])
    n = len(meeting)
    return pd.DataFrame(
        {
            "authority_code": np.repeat(codes[auth], 5),
            "meeting_date": _to_dates(np.repeat(b["day"][meeting], 5)),
            "agency": np.tile(np.asarray(_AGENCIES, dtype=object), n),
            "attended": _boolean(b["attended"][meeting].ravel()),
            "senior_attended": _boolean(b["senior"][meeting].ravel()),
        }
    ).sort_values(["authority_code", "meeting_date"], kind="stable")


def _finish_attendance(a, codes, child_ids) -> pd.DataFrame:
    if a is None:
        a = {k: np.zeros(0, dtype=np.int64) for k in
             ("child", "auth", "year", "term", "possible", "attended")}
    years = a["year"]
    return pd.DataFrame(
        {
            "child_id": child_ids[a["child"]] if len(years) else np.zeros(0, dtype=object),
            "authority_code": codes[a["auth"]],
            "academic_year": np.array([f"{y}/{(y + 1) % 100:02d}" for y in years], dtype=object),
            "term": _labels(("Autumn", "Spring", "Summer"), a["term"]),
            "possible_sessions": pd.array(a["possible"].astype(np.int64), dtype="Int64"),
            "attended_sessions": pd.array(a["attended"].astype(np.int64), dtype="Int64"),
        }
    ).sort_values(["child_id", "academic_year"], kind="stable")


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


# ---------------------------------------------------------------------------
# The main entry point
# ---------------------------------------------------------------------------


def generate(
    seed: int = 2024,
    authorities: int = 5,
    start: str = "2021/22",
    end: str = "2025/26",
    scale: float = 1.0,
) -> CohortData:
    """Generate calibrated synthetic data for fictional authorities.

    Parameters
    ----------
    seed : int, default 2024
        Seed of the random generator; the same seed and arguments give
        identical tables (same :meth:`CohortData.fingerprint`).
    authorities : int, default 5
        Number of fictional authorities. Up to five use the fixed default
        set (X01 Ashbridge, X02 Kelmoor, X03 Northwold, X04 Stanmere,
        X05 Wexcombe; X01 is Sefton-sized); more use codes ``X001``... with
        names made from syllables and parameters drawn from the published
        ranges, and about one service in twelve covers two authorities.
        150 gives a national-scale data set.
    start, end : str, default "2021/22" and "2025/26"
        First and last financial year covered (labels as ``"2023/24"``).
        Interventions, KPI records, victims and board meetings fall in
        (or, for interventions, overlap) April of ``start`` to March of
        ``end``; offences and outcomes go back up to three years earlier so
        that every child's whole history is present; the population table
        covers mid-years ``start - 1`` to ``end``.
    scale : float, default 1.0
        Multiplier of every population and so of every caseload; 0.2 gives
        a small, fast data set.

    Returns
    -------
    CohortData
        Tables ``authorities``, ``children``, ``offences``,
        ``interventions``, ``kpi_records``, ``victims``,
        ``board_attendance``, ``attendance`` and ``population`` with exactly
        the columns of the data dictionary, an empty attrition log, and
        ``metadata`` with ``synthetic`` (True), ``source``, ``seed``,
        ``arguments``, ``period``, ``planted_effects`` (the planted facts,
        see the module docstring) and ``calibration`` (the reference
        figures, one dict per target, from
        ``cohort/data/calibration_targets.csv``).

    Raises
    ------
    ValueError
        If a financial year label is malformed, ``end`` precedes ``start``,
        ``authorities`` is below 1 or ``scale`` is not positive.

    Notes
    -----
    The generative model and every planted fact, with the reference it
    reproduces, are described in the module docstring (and in
    ``docs/synthetic.md``). Validated by ``tests/test_synthetic.py``, which
    recomputes the shares and rates independently and prints them beside
    the reference values.

    Examples
    --------
    >>> data = generate(seed=7, authorities=1, scale=0.1)
    >>> data.synthetic, data.metadata["seed"]
    (True, 7)
    >>> data.population.groupby("mid_year")["population"].sum().index.tolist()
    [2020, 2021, 2022, 2023, 2024, 2025]
    >>> generate(seed=7, authorities=1, scale=0.1).fingerprint() == data.fingerprint()
    True
    """
    y0, y1 = _fy_start(start), _fy_start(end)
    if y1 < y0:
        raise ValueError(f"end ({end!r}) precedes start ({start!r})")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    n_auth = int(authorities)
    rng = np.random.default_rng(seed)
    win_start, data_end = _day(f"{y0}-04-01"), _day(f"{y1 + 1}-03-31")

    auth_frame, ap = _authorities(n_auth, rng)
    codes = auth_frame["authority_code"].to_numpy(dtype=object)
    sim_years = np.arange(y0 - 1 - _BURN_IN_YEARS, y1 + 2)
    pop = _population_array(ap, sim_years, scale, rng)
    people = _People()

    cyc = _cyc(ap, pop, sim_years, rng, people, y0, y1, data_end, scale)
    entrants = _career_entrants(ap, pop, sim_years, rng, people, y0, y1, cyc["girls_taken"])
    career = _Career(*[
        np.concatenate([getattr(entrants, f), getattr(cyc["entrants"], f)])
        for f in _Career.__dataclass_fields__
    ])
    events = _offending(career, ap, rng, data_end)
    prevention = _prevention_children(ap, pop, sim_years, rng, people, y0, y1)
    off, ev = _offence_rows(events, career, rng, data_end)
    iv = _interventions(ev, career, prevention, cyc, rng, win_start, data_end)
    kpi = _kpi_records(iv, people, rng, win_start)
    vic = _victims(off, career, pop, sim_years, rng, win_start, data_end)
    board = _board(ap, rng, y0, y1)

    child_ids = _child_ids(people)
    offences = _finish_offences(off, career, codes, child_ids)
    interventions, int_ids = _finish_interventions(iv, codes, child_ids, offences)
    tables = {
        "authorities": auth_frame,
        "children": _children_table(people, codes, rng, child_ids),
        "offences": offences,
        "interventions": interventions,
        "kpi_records": _finish_kpi(kpi, iv, codes, child_ids, int_ids),
        "victims": _finish_victims(vic, codes, offences),
        "board_attendance": _finish_board(board, ap, codes),
        "attendance": _finish_attendance(cyc["attendance"], codes, child_ids),
        "population": _population_table(pop, sim_years, codes, y0 - 1, y1),
    }
    fields = _table_fields()
    tables = {name: tables[name][fields[name]].reset_index(drop=True) for name in TABLES}
    metadata = {
        "synthetic": True,
        "source": (
            f"cohort.synthetic.generate(seed={seed}, authorities={n_auth}, "
            f"start={start!r}, end={end!r}, scale={scale})"
        ),
        "seed": seed,
        "arguments": {
            "seed": seed, "authorities": n_auth, "start": start, "end": end, "scale": scale,
        },
        "period": {
            "start": f"{y0}-04-01", "end": f"{y1 + 1}-03-31",
            "history_from": f"{y0 - _BURN_IN_YEARS}-04-01",
        },
        "planted_effects": _planted(cyc["authorities"], codes),
        "calibration": _calibration_targets(),
    }
    return CohortData(tables=tables, metadata=metadata)


def _planted(cyc_auth: list[int], codes: np.ndarray) -> dict[str, Any]:
    return {
        "cyc_programme": "Community Youth Connectors",
        "cyc_authorities": [str(codes[a]) for a in cyc_auth],
        "cyc_first_formal_hazard_ratio": _CYC_HAZARD_RATIO,
        "cyc_effect_window_months": 12,
        "cyc_attendance_change_pp": round(100 * _CYC_ATTENDANCE_EFFECT, 1),
        "cyc_participants_per_year": _CYC_PER_YEAR,
        "cyc_pool_per_participant": _CYC_POOL_RATIO,
        "cyc_selection": (
            "observed only: lower baseline attendance, SEN Support/EHCP, free school meals, "
            "looked after, older age"
        ),
        "ethnicity": {
            "reference": "White",
            "entry_relative_risk": dict(_ENTRY_RR),
            "court_threshold_shift": dict(_COURT_SHIFT),
            "custody_threshold_shift": dict(_CUSTODY_SHIFT),
        },
        "boys_share_of_entrants": _P_MALE_ENTRANT,
        "first_offence_age_weights": dict(zip(_AGES.tolist(), _FIRST_AGE_W.tolist(), strict=True)),
    }
