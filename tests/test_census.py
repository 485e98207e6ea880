"""Census 2021 children aged 10-17 by ethnic group and sex (cohort.population.census).

Expected values are published Census 2021 figures, transcribed in the
project's reference folder (README "Census 2021 children aged 10-17 by
ethnic group and sex"): the England and Wales total of each group, Sefton's
counts by group and Wirral's non-White share (8.5%, the inspection's "just
under nine per cent", wirral_facts.csv).
"""

from __future__ import annotations

import hashlib
import warnings
from importlib.resources import files

import pandas as pd
import pytest

from cohort.exceptions import DataQualityWarning
from cohort.population import census_ethnicity, census_table, ons

#: Census 2021, England and Wales, children aged 10-17 (row K04000001 of the
#: reference folder's census2021_ethnicity_10_17_excerpt.csv).
ENGLAND_AND_WALES = {
    "Asian": 663_825, "Black": 333_587, "Mixed": 330_389, "Other": 145_406, "White": 4_161_949,
}


def test_shipped_file_is_the_reference_copy():
    data = files("cohort.data").joinpath("census2021_ethnicity_sex_10_17_by_la.csv").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == "8eb35f79d676ecc8b86c1ddb44aa4998893a289a8bbf723a05d65a7247519ded"


def test_table_shape_and_incomplete_areas():
    t = census_table()
    assert len(t) == 3152 and t["geo_id"].nunique() == 318
    assert t.drop_duplicates("geo_id")["geo_id"].str[0].value_counts().to_dict() == {"E": 296, "W": 22}
    status = t.groupby("geo_id")["status"].first()
    assert sorted(status[status == "unavailable"].index) == ["E06000053", "E09000001"]
    assert sorted(status[status == "sex_aggregated"].index) == ["E07000133", "W06000024"]


def test_sefton_counts():
    """Sefton (E08000014): Asian 431, Black 201, Mixed 814, Other 258, White 22,722."""
    p = census_ethnicity(["Sefton"], by=("ethnicity",))
    assert p["authority_code"].unique().tolist() == ["E08000014"]
    got = dict(zip(p["ethnicity"], p["population"].astype(int), strict=True))
    assert got == {"Asian": 431, "Black": 201, "Mixed": 814, "Other": 258, "White": 22_722}
    by_sex = census_ethnicity("E08000014")
    assert len(by_sex) == 10 and set(by_sex["sex"]) == {"Female", "Male"}
    assert by_sex.groupby("ethnicity")["population"].sum().astype(int).to_dict() == got
    assert (by_sex["mid_year"] == 2021).all() and by_sex["age"].isna().all()


def test_wirral_non_white_share_is_8_5_percent():
    """Wirral: 8.5% of children aged 10-17 are not White ("just under nine per cent")."""
    p = census_ethnicity("Wirral", by=("ethnicity",)).set_index("ethnicity")["population"]
    share = 1 - p["White"] / p.sum()
    assert round(float(share) * 100, 1) == 8.5


def test_england_and_wales_totals_by_group():
    """Every authority (persons-only totals included) sums to the E&W row of each group."""
    with pytest.warns(DataQualityWarning, match="Isles of Scilly"):
        p = census_ethnicity(by=("ethnicity",))
    # the only missing cells are the two unavailable areas, each with 5 groups
    missing = p[p["population"].isna()]
    assert sorted(missing["authority_code"].unique()) == ["E06000053", "E09000001"]
    totals = p.groupby("ethnicity")["population"].sum().astype(int).to_dict()
    assert totals == ENGLAND_AND_WALES
    assert sum(totals.values()) == 5_635_156


def test_totals_close_to_ons_mid_2021():
    """Authority totals are 0.987-1.020 of the ONS mid-2021 estimate (reference README)."""
    with pytest.warns(DataQualityWarning):
        c = census_ethnicity(by=())
    c = c.dropna(subset=["population"]).set_index("authority_code")
    o = ons(mid_year=2021, by=()).set_index("authority_code")["population"]
    common = c.index.intersection(o.index)
    assert len(common) > 290
    ratio = c.loc[common, "population"].astype(float) / o.loc[common].astype(float)
    assert ratio.between(0.987, 1.020).all(), ratio[~ratio.between(0.987, 1.020)]


def test_services_sum_their_districts():
    merseyside = census_ethnicity("Merseyside", by=("ethnicity",))
    parts = census_ethnicity(["Knowsley", "Liverpool", "Sefton", "St Helens", "Wirral"],
                             by=("ethnicity",))
    assert merseyside["authority_code"].iloc[0].count("+") == 4
    pd.testing.assert_series_equal(
        merseyside.groupby("ethnicity")["population"].sum(),
        parts.groupby("ethnicity")["population"].sum(),
    )
    named = census_ethnicity({"Wirral and Sefton": ["Wirral", "E08000014"]}, by=())
    assert named["authority_name"].tolist() == ["Wirral and Sefton"]
    assert int(named["population"].iloc[0]) == int(
        census_ethnicity(["Wirral", "Sefton"], by=())["population"].sum()
    )


def test_persons_only_areas_warn_and_are_missing_by_sex():
    with pytest.warns(DataQualityWarning, match=r"Merthyr Tydfil \(W06000024\).*persons only"):
        by_sex = census_ethnicity("Cwm Taf")
    assert by_sex["population"].isna().all()  # never a partial (or zero) sum
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        totals = census_ethnicity("Cwm Taf", by=("ethnicity",))
    assert totals["population"].notna().all()
    melton = census_ethnicity("Melton", by=("ethnicity",))
    assert int(melton["population"].sum()) == 46 + 16 + 129 + 15 + 4474


def test_unavailable_areas_warn_and_are_missing():
    with pytest.warns(DataQualityWarning, match=r"City of London \(E09000001\)"):
        p = census_ethnicity("Tower Hamlets and City of London", by=("ethnicity",))
    assert p["population"].isna().all()
    with pytest.warns(DataQualityWarning, match="Isles of Scilly"):
        scilly = census_ethnicity({"Cornwall": ["Cornwall", "Isles of Scilly"]}, by=())
    assert scilly["population"].isna().all()


def test_errors():
    with pytest.raises(ValueError, match="by may contain"):
        census_ethnicity("Sefton", by=("age",))
    with pytest.raises(ValueError, match="not a lower-tier authority"):
        census_ethnicity("E10000017")  # Lancashire county
    with pytest.raises(ValueError, match="Did you mean"):
        census_ethnicity("Seftonn")
