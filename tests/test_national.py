"""Shared national tables (cohort.national_tables): the tables a report reads from the
batch's cache are the tables the measures give on the store, row for row and dtype for
dtype, for every range of periods a report asks for; and the store opened lazily with
column reads gives the measures the same tables as the data in memory."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import cohort
from cohort import national
from cohort.exceptions import CohortError
from cohort.measures.fte import first_time_entrants
from cohort.measures.reoffending import reoffending_cohort
from cohort.periods import quarter, quarter_label


@pytest.fixture(scope="module")
def data():
    return cohort.synthetic.generate(seed=5, authorities=3, scale=0.3)


@pytest.fixture(scope="module")
def store(tmp_path_factory, data):
    return cohort.write_store(data, tmp_path_factory.mktemp("national") / "store")


def _report_calls(q):
    """The calls the performance report makes for quarter ``q`` (notebooks/performance.ipynb)."""
    first, label = quarter_label(q - 7), quarter_label(q)
    return [
        ("fte", {"period": "rolling_12m", "start": first, "end": label}),
        ("reoffending", {"cohort_period": "3M", "start": quarter_label(q - 11), "end": label}),
        ("reoffending", {"cohort_period": "3M", "pooled": True, "pool_window": "financial_year"}),
        ("custody", {"period": "rolling_12m", "start": first, "end": label}),
    ]


def test_cached_tables_answer_every_report_call_as_the_measures_do(store, tmp_path, monkeypatch):
    opened = cohort.open_store(store)
    batch = cohort.national_tables(store, cache=tmp_path / "shared")
    assert batch.folder == tmp_path / "shared" / batch.key
    alone = cohort.national_tables(store)  # a report run on its own
    quarters = [quarter("2022/23 Q4") + i for i in range(0, 13, 3)]
    wanted = {(q, i): getattr(cohort, measure)(opened, **kwargs)
              for q in quarters for i, (measure, kwargs) in enumerate(_report_calls(q))}

    def refuse(*args, **kwargs):
        raise AssertionError("computed, not read from the shared tables")

    for shared in (alone, cohort.national_tables(store, cache=tmp_path / "shared")):
        for q in quarters:
            for i, (measure, kwargs) in enumerate(_report_calls(q)):
                got = getattr(shared, measure)(**kwargs)
                assert_frame_equal(got, wanted[q, i], check_exact=True, obj=f"{measure} {kwargs}")
        with monkeypatch.context() as m:  # every report call is answered from the shared tables
            for measure in national._MEASURES:
                m.setitem(national._MEASURES, measure, refuse)
            for q in quarters:
                for measure, kwargs in _report_calls(q):
                    getattr(shared, measure)(**kwargs)
    report = cohort.national_tables(store, cache=tmp_path / "shared")
    for name, (measure, kwargs) in national.NATIONAL_TABLES.items():
        assert_frame_equal(report[name], getattr(cohort, measure)(opened, **kwargs), check_exact=True)


def test_other_calls_are_computed_from_the_store(store, tmp_path):
    opened = cohort.open_store(store)
    shared = cohort.national_tables(store, cache=tmp_path / "shared")
    for measure, kwargs in [
        ("fte", {"period": "rolling_12m", "by": ("authority_code", "sex")}),  # another breakdown
        ("fte", {"period": "calendar_year"}),  # another period
        ("fte", {"period": "rolling_12m", "start": "2010/11 Q1", "end": "2022/23 Q4"}),  # before the data
        ("fte", {"period": "rolling_12m", "start": "2023/24 Q1"}),  # end from the data
        ("reoffending", {"cohort_period": "3M", "pooled": True, "start": "2023/24 Q2", "end": "2024/25 Q3"}),
        ("reoffending", {"cohort_period": "3M", "as_of": "2024-12-31"}),
        ("custody", {"period": "rolling_12m", "count": "children"}),
    ]:
        assert_frame_equal(getattr(shared, measure)(**kwargs), getattr(cohort, measure)(opened, **kwargs),
                           check_exact=True, obj=f"{measure} {kwargs}")
    with pytest.raises(ValueError, match="period must be one of"):
        shared.fte(period="weekly", start=1, end=2)


def test_cache_is_read_not_recomputed_and_follows_the_data(store, data, tmp_path, monkeypatch):
    root = tmp_path / "shared"
    first = cohort.national_tables(store, cache=root, tables=["fte_rolling_12m"])
    index = json.loads((first.folder / "national.json").read_text())
    assert index["fingerprint"] == cohort.store.store_info(store)["fingerprint"]
    assert list(index["tables"]) == ["fte_rolling_12m"]

    def refuse(*args, **kwargs):
        raise AssertionError("computed again")

    with monkeypatch.context() as m:
        m.setitem(national._MEASURES, "fte", refuse)
        again = cohort.national_tables(store, cache=root, tables=["fte_rolling_12m"])
        assert len(again["fte_rolling_12m"]) == len(first["fte_rolling_12m"])
    # asking for more tables adds them under the same key
    more = cohort.national_tables(store, cache=root)
    assert more.folder == first.folder
    assert set(json.loads((more.folder / "national.json").read_text())["tables"]) == set(
        national.NATIONAL_TABLES)
    # other data: another key, and the stale tables go
    changed = cohort.CohortData(dict(data.tables), data.attrition, data.metadata)
    changed.tables["offences"] = data.offences.iloc[:-1]
    other_store = cohort.write_store(changed, tmp_path / "other")
    other = cohort.national_tables(other_store, cache=root, tables=["reoffending_3m"])
    assert other.key != first.key and not first.folder.exists()
    assert [p.name for p in root.iterdir()] == [other.key]
    beside = cohort.national_tables(other_store, cache=True, tables=["reoffending_3m"])
    assert beside.folder.parent == tmp_path / "other.national"


def test_bad_requests_and_damaged_caches(store, data, tmp_path):
    with pytest.raises(ValueError, match="Unknown shared tables"):
        cohort.national_tables(store, tables=["fte_weekly"])
    with pytest.raises(ValueError, match="store's path"):
        cohort.national_tables(data, cache=tmp_path)
    in_memory = cohort.national_tables(data)
    assert_frame_equal(in_memory.custody(period="rolling_12m"), cohort.custody(data, period="rolling_12m"))
    with pytest.raises(KeyError, match="not a shared table"):
        in_memory["victims"]
    shared = cohort.national_tables(store, cache=tmp_path / "s", tables=["custody_rolling_12m"])
    (shared.folder / "custody_rolling_12m.parquet").write_bytes(b"not parquet")
    with pytest.raises(CohortError, match="cannot be read"):
        cohort.national_tables(store, cache=tmp_path / "s", tables=["custody_rolling_12m"])[
            "custody_rolling_12m"]


def test_measures_from_the_lazy_store_equal_the_data_in_memory(store, data):
    """Column reads, lookups instead of merges and integer joins: the same tables
    (values, dtypes, row order) as from the data in memory."""
    opened = cohort.open_store(store)
    code = str(data.authorities["authority_code"].iloc[1])
    q = "2024/25 Q3"
    calls = [
        lambda d: cohort.fte(d, period="financial_year"),
        lambda d: cohort.fte(d, by=("authority_code", "sex", "age_band")),
        lambda d: first_time_entrants(d),
        lambda d: cohort.custody(d, period="rolling_12m", count="children"),
        lambda d: cohort.reoffending(d, by=("authority_code", "ethnicity")),
        lambda d: cohort.reoffending(d, cohort_period="12M", as_of="2025-01-31"),
        lambda d: reoffending_cohort(d, include_index_day=True, include_end_day=False),
        lambda d: cohort.time_to_reoffence(d, by=("sex",)),
    ]
    for call in calls:
        assert_frame_equal(call(opened), call(data), check_exact=True)
    one = cohort.open_store(store, authorities=[code])
    assert_frame_equal(cohort.kpis(one, code, q), cohort.kpis(data, code, q), check_exact=True)
    assert_frame_equal(cohort.profile(one, code, q), cohort.profile(data, code, q), check_exact=True)


def test_reading_a_shared_table_keeps_its_dtypes(store, tmp_path):
    shared = cohort.national_tables(store, cache=tmp_path / "s")
    back = cohort.national_tables(store, cache=tmp_path / "s")
    for name in national.NATIONAL_TABLES:
        assert back[name].dtypes.to_dict() == shared[name].dtypes.to_dict()
        assert_frame_equal(back[name], shared[name], check_exact=True)
    note = back["fte_rolling_12m"]["note"]
    assert note.dtype == object and note.map(lambda v: v is None or isinstance(v, str)).all()
    assert str(back["reoffending_3m"]["period_start"].dtype).startswith("datetime64")


def test_rate_notes_when_a_population_is_missing_or_cannot_serve():
    """Each reason a rate has no denominator, worked out by hand (the population is
    chosen once per mid-year and joined to every period at once)."""
    offences = pd.DataFrame({
        "offence_id": ["o1", "o2", "o3"], "child_id": ["a", "b", "c"],
        "authority_code": ["X01", "X02", "X03"],
        "offence_date": pd.to_datetime(["2021-01-05", "2022-03-01", "2022-05-01"]),
        "outcome_date": pd.to_datetime(["2021-02-01", "2022-04-01", "2022-06-01"]),
        "outcome": ["Youth caution", "Referral order", "Detention and training order"]})
    children = pd.DataFrame({"child_id": ["a", "b", "c"], "birth_month": ["2007-05", "2008-01", "2006-02"],
                             "sex": ["Male", "Female", "Male"], "ethnicity": ["White", "Asian", "Black"]})
    population = pd.DataFrame({"authority_code": ["X01", "X02", "X01", "X02"], "mid_year": [2020, 2020, 2021, 2021],
                               "age": pd.array([pd.NA] * 4, dtype="Int64"), "sex": "All", "ethnicity": "All",
                               "population": [1000, 2000, 1100, 2100]})
    data = cohort.CohortData({"offences": offences, "children": children, "population": population,
                              "authorities": pd.DataFrame({"authority_code": ["X01", "X02", "X03"]})})
    rates = cohort.fte(data).set_index(["authority_code", "period"])
    assert rates.loc[("X01", "2021"), "denominator"] == 1000  # calendar 2021: mid-2020
    assert rates.loc[("X02", "2022"), "denominator"] == 2100  # calendar 2022: mid-2021
    assert rates.loc[("X03", "2022"), "note"] == "no mid-2021 population for this cell"
    assert rates.loc[("X01", "2021"), "note"] is None
    assert str(rates["population_year"].dtype) == "Int64"
    by_ethnicity = cohort.fte(data, by=("ethnicity",))
    assert by_ethnicity["note"].str.startswith("population has no ethnicity breakdown").all()
    no_years = cohort.fte(data, population=population.drop(columns="mid_year"))
    assert no_years["population_year"].isna().all()
    assert (no_years["note"] == "population has no 'mid_year' column; build it with "
                                "cohort.population.ons().").all()
    total = cohort.fte(data, by=(), population_year="same_mid_year")
    assert total["note"].tolist() == ["population lacks authorities X03"] * 2
    custody = cohort.custody(data, period="rolling_12m").set_index(["authority_code", "period"])
    assert custody.loc[("X03", "12 months to 2022/23 Q1"), ["numerator", "note"]].tolist() == [
        1.0, "no mid-2021 population for this cell"]


def test_other_all_authority_calls_are_computed_once_and_kept(store, tmp_path, monkeypatch):
    """A disproportionality call (and any call not answered by a shared table) is
    computed once, then read back by the batch's other reports."""
    import warnings

    opened = cohort.open_store(store)
    kwargs = {"outcome": "court", "blocks": [["age", "sex"]], "period": ("2023/24 Q1", "2024/25 Q4"),
              "profile": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = cohort.adjusted_disparity(opened, **kwargs)
        rri = cohort.disproportionality(opened, period=("2023/24 Q1", "2024/25 Q4"))
        first = cohort.national_tables(store, cache=tmp_path / "s", tables=["fte_rolling_12m"])
        assert_frame_equal(first.adjusted_disparity(**kwargs), want, check_exact=True)
        assert_frame_equal(first.disproportionality(period=("2023/24 Q1", "2024/25 Q4")), rri, check_exact=True)
    assert len(list((first.folder / "calls").glob("*.parquet"))) == 2

    def refuse(*args, **kw):
        raise AssertionError("computed again")

    with monkeypatch.context() as m:
        for measure in national._MEASURES:
            m.setitem(national._MEASURES, measure, refuse)
        later = cohort.national_tables(store, cache=tmp_path / "s", tables=["fte_rolling_12m"])
        got = later.adjusted_disparity(**{**kwargs, "blocks": (("age", "sex"),)})  # the same call
        assert_frame_equal(got, want, check_exact=True)
        assert_frame_equal(later.disproportionality(period=("2023/24 Q1", "2024/25 Q4")), rri, check_exact=True)
    # tables added to the folder later keep the calls already there
    cohort.national_tables(store, cache=tmp_path / "s", tables=["custody_rolling_12m"])
    assert len(list((first.folder / "calls").glob("*.parquet"))) == 2


def test_a_report_asks_the_batch_for_every_authority_and_reports_share_one_fit(store, tmp_path, monkeypatch):
    """``Report.national()``: in a batch ($COHORT_SHARED_DIR) the first report that asks for an
    all-authority model fits it and writes it to the batch's folder; a report asking at the
    same time waits for that fit (one fit, not two); later reports read it. Run on its own, a
    report computes the same table from the store."""
    import threading
    import warnings

    kwargs = {"outcome": "court", "blocks": [["age", "sex"]], "period": ("2023/24 Q1", "2024/25 Q4"),
              "profile": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = cohort.adjusted_disparity(cohort.open_store(store), **kwargs)
        alone = cohort.Report(cohort.open_store(store, authorities=["X01"]), "X01", title="t")
        assert_frame_equal(alone.national(store).adjusted_disparity(**kwargs), want, check_exact=True)
    with pytest.raises(CohortError, match="needs the store"):
        alone.national()

    fits = []
    real = national._MEASURES["adjusted_disparity"]

    def counted(*args, **kw):
        fits.append(1)
        return real(*args, **kw)

    monkeypatch.setenv("COHORT_SHARED_DIR", str(tmp_path / "batch"))
    monkeypatch.setitem(national._MEASURES, "adjusted_disparity", counted)
    got = []

    def report(code):
        rep = cohort.Report(cohort.open_store(store, authorities=[code]), code, title="t")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got.append(rep.national(store).adjusted_disparity(**kwargs))

    threads = [threading.Thread(target=report, args=(c,)) for c in ("X01", "X02")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report("X03")
    assert len(fits) == 1 and len(got) == 3
    for table in got:
        assert_frame_equal(table, want, check_exact=True)
