"""DuckDB SQL versions of proven reoffending and first time entrants, for the benchmark.

The reference against which ``benchmarks/national.py`` times ``cohort`` and
``tests/test_national_sql.py`` checks it: the same definitions as
:func:`cohort.reoffending` (3-month cohorts, 12 months' follow-up, 6 months'
waiting, the MoJ rules of METHODS.md section 1 with the package's defaults:
the index day excluded, the end days included, ``as_of`` the latest outcome
date) and :func:`cohort.fte` (calendar years, by authority, the previous
mid-year's population), written directly in SQL over the store's Parquet
files (the files the manifest lists, hive-partitioned by ``authority_code``).
Only counts are computed (N, R, O per cohort; entrants and population per
year): the intervals are the same functions of them either way.

DuckDB is a benchmark dependency only (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _files(store: Path, manifest: dict[str, Any], table: str) -> list[str]:
    spec = manifest["tables"][table]
    if spec["layout"] == "partitioned":
        return [str(store / p["path"]) for p in spec["partitions"].values()]
    return [str(store / spec["path"])]


def _sql_list(values: list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _source(store: Path, manifest: dict[str, Any], table: str) -> str:
    files = ", ".join("'" + f.replace("'", "''") + "'" for f in _files(store, manifest, table))
    hive = manifest["tables"][table]["layout"] == "partitioned"
    return f"read_parquet([{files}], hive_partitioning = {str(hive).lower()})"


def _codes() -> tuple[list[str], list[str]]:
    """The formal and the custodial outcome codes (the package's code list)."""
    from cohort.dictionary import load_dictionary

    d = load_dictionary()
    return d.codes("outcome", formal=True), d.codes("outcome", custody=True)


# Age in whole years at date column {when}, from a YYYY-MM birth month with the
# birthday on the 15th (cohort.measures._common.age_at).
_AGE = """(year({when}) - year(born)
     - CASE WHEN month({when}) < month(born)
                 OR (month({when}) = month(born) AND day({when}) < 15) THEN 1 ELSE 0 END)"""

_CHILDREN = """
children AS (  -- each child's first row, as drop_duplicates("child_id") keeps it
    SELECT child_id,
           try_strptime(arg_min(birth_month, __cohort_row__) || '-15', '%Y-%m-%d') AS born
    FROM {children}
    GROUP BY child_id
)"""


def reoffending_sql(store: str | Path, formal: list[str], custodial: list[str]) -> str:
    """The query: one row per authority and 3-month cohort with N, R and O."""
    store = Path(store)
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    return f"""
WITH
offences AS (
    SELECT offence_id, child_id, authority_code, offence_date, outcome_date, outcome,
           coalesce(is_breach, false) AS is_breach, release_date, __cohort_row__
    FROM {_source(store, manifest, "offences")}
),
as_of AS (SELECT date_trunc('day', max(outcome_date)) AS as_of FROM offences),
qualifying AS (  -- formal, not a breach, outcome known by as_of
    SELECT o.* FROM offences o, as_of
    WHERE o.outcome IN {_sql_list(formal)} AND NOT o.is_breach AND o.outcome_date <= as_of.as_of
),{_CHILDREN.format(children=_source(store, manifest, "children"))},
events AS (  -- index events: outcome date, or release date for custody
    SELECT q.*, CASE WHEN q.outcome IN {_sql_list(custodial)} THEN q.release_date
                     ELSE q.outcome_date END AS index_date
    FROM qualifying q
),
aged AS (
    SELECT e.*, {_AGE.format(when="e.index_date")} AS age
    FROM events e CROSS JOIN as_of LEFT JOIN children c ON c.child_id = e.child_id
    WHERE e.index_date IS NOT NULL AND e.index_date <= as_of.as_of
),
members AS (  -- the first index event of each child in each quarter
    SELECT child_id, authority_code, offence_id AS index_offence_id, index_date,
           date_trunc('quarter', index_date) AS period_start,
           index_date + INTERVAL 12 MONTH AS follow_up_end,
           index_date + INTERVAL 18 MONTH AS proven_by
    FROM aged
    WHERE age BETWEEN 10 AND 17
    QUALIFY row_number() OVER (PARTITION BY child_id, date_trunc('quarter', index_date)
                               ORDER BY index_date, outcome_date, offence_id, __cohort_row__) = 1
),
counted AS (
    SELECT m.authority_code, m.period_start, count(q.offence_id) AS reoffences
    FROM members m LEFT JOIN qualifying q
      ON q.child_id = m.child_id
     AND q.offence_date > m.index_date
     AND q.offence_date <= m.follow_up_end
     AND q.outcome_date <= m.proven_by
     AND q.offence_id <> m.index_offence_id
    GROUP BY m.child_id, m.period_start, m.authority_code
),
cells AS (
    SELECT authority_code, period_start, count(*) AS n,
           count(*) FILTER (WHERE reoffences > 0) AS r, sum(reoffences) AS o
    FROM counted GROUP BY ALL
),
periods AS (
    SELECT unnest(generate_series(min(period_start), max(period_start), INTERVAL 3 MONTH))
           AS period_start
    FROM members
),
authorities AS (SELECT DISTINCT authority_code FROM {_source(store, manifest, "authorities")})
SELECT a.authority_code, p.period_start,
       coalesce(c.n, 0) AS n, coalesce(c.r, 0) AS r, coalesce(c.o, 0) AS o
FROM authorities a CROSS JOIN periods p
LEFT JOIN cells c ON c.authority_code = a.authority_code AND c.period_start = p.period_start
ORDER BY p.period_start, a.authority_code
"""


def fte_sql(store: str | Path, formal: list[str]) -> str:
    """The query: one row per authority and calendar year with entrants and population 10-17."""
    store = Path(store)
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    return f"""
WITH
firsts AS (  -- each child's first formal outcome
    SELECT offence_id, child_id, authority_code, outcome_date
    FROM {_source(store, manifest, "offences")}
    WHERE outcome IN {_sql_list(formal)}
    QUALIFY row_number() OVER (PARTITION BY child_id
                               ORDER BY outcome_date, offence_date, offence_id, __cohort_row__) = 1
),{_CHILDREN.format(children=_source(store, manifest, "children"))},
entrants AS (  -- aged 10-17 at the outcome
    SELECT f.authority_code, f.outcome_date
    FROM firsts f LEFT JOIN children c ON c.child_id = f.child_id
    WHERE {_AGE.format(when="f.outcome_date")} BETWEEN 10 AND 17
),
periods AS (
    SELECT y AS year, make_timestamp(y, 1, 1, 0, 0, 0) AS period_start,
           make_timestamp(y, 12, 31, 0, 0, 0) AS period_end
    FROM (SELECT unnest(range(min(year(outcome_date)), max(year(outcome_date)) + 1)) AS y
          FROM entrants)
),
counts AS (
    SELECT p.year, e.authority_code, count(*) AS entrants
    FROM entrants e JOIN periods p
      ON e.outcome_date >= p.period_start AND e.outcome_date <= p.period_end
    GROUP BY ALL
),
population AS (SELECT * FROM {_source(store, manifest, "population")}),
mid_years AS (SELECT DISTINCT mid_year FROM population),
used AS (  -- the previous mid-year, else the latest before it, else the earliest
    SELECT p.year, coalesce(
        (SELECT max(mid_year) FROM mid_years WHERE mid_year <= p.year - 1),
        (SELECT min(mid_year) FROM mid_years)) AS mid_year
    FROM periods p
),
rows_age AS (  -- the all-ages rows when there are any, else ages 10-17
    SELECT p.* FROM population p
    QUALIFY CASE WHEN bool_or(p.age IS NULL) OVER (PARTITION BY p.mid_year) THEN p.age IS NULL
               ELSE p.age BETWEEN 10 AND 17 END
),
rows_sex AS (  -- the sex "All" rows when there are any, else every sex
    SELECT * FROM rows_age
    QUALIFY NOT bool_or(coalesce(sex = 'All', false)) OVER (PARTITION BY mid_year)
       OR coalesce(sex = 'All', false)
),
rows_eth AS (
    SELECT * FROM rows_sex
    QUALIFY NOT bool_or(coalesce(ethnicity = 'All', false)) OVER (PARTITION BY mid_year)
       OR coalesce(ethnicity = 'All', false)
),
denominators AS (
    SELECT mid_year, authority_code, sum(population) AS population FROM rows_eth GROUP BY ALL
),
authorities AS (SELECT DISTINCT authority_code FROM {_source(store, manifest, "authorities")})
SELECT a.authority_code, p.year, coalesce(c.entrants, 0) AS entrants, d.population
FROM authorities a CROSS JOIN periods p
JOIN used u ON u.year = p.year
LEFT JOIN counts c ON c.authority_code = a.authority_code AND c.year = p.year
LEFT JOIN denominators d ON d.authority_code = a.authority_code AND d.mid_year = u.mid_year
ORDER BY a.authority_code, p.year
"""


def reoffending_counts(store: str | Path, con=None, codes: tuple[list[str], list[str]] | None = None):
    """N, R and O per authority and 3-month cohort, as a pandas DataFrame."""
    import duckdb

    formal, custodial = codes or _codes()
    con = con or duckdb.connect()
    return con.sql(reoffending_sql(store, formal, custodial)).df()


def fte_counts(store: str | Path, con=None, codes: tuple[list[str], list[str]] | None = None):
    """First time entrants and population 10-17 per authority and calendar year."""
    import duckdb

    formal, _ = codes or _codes()
    con = con or duckdb.connect()
    return con.sql(fte_sql(store, formal)).df()
