"""The data dictionary: schemas and code lists read from YAML, pandera schemas, README."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest
import yaml

from cohort.cohortdata import TABLES
from cohort.dictionary import (
    FIELD_TYPES,
    codelist,
    codes,
    load_dictionary,
    pandera_schema,
    render_readme,
    write_readme,
)

ROOT = Path(__file__).resolve().parents[1]
DICTIONARY = ROOT / "data_dictionary"


def test_every_table_in_dependency_order():
    d = load_dictionary()
    assert tuple(d.tables) == TABLES
    for t in d.tables.values():
        assert t.fields and all(f.type in FIELD_TYPES for f in t.fields)
        assert set(t.primary_key) <= set(t.field_names)


def test_fields_carry_the_yaml_constraints():
    off = load_dictionary().table("offences")
    g = off.field("gravity_score")
    assert (g.type, g.required, g.minimum, g.maximum) == ("integer", True, 1, 8)
    assert off.field("outcome").codelist == "outcome"
    assert off.identifiers == ("offence_id", "child_id")
    assert [fk.resource for fk in off.foreign_keys] == ["children"]
    assert [r.name for r in off.rules] == ["outcome_after_offence", "age_at_offence_10_to_17"]
    assert load_dictionary().table("children").field("birth_month").privacy == "quasi_identifier"


def test_codelist_frames_and_attribute_filters():
    out = codelist("outcome")
    assert list(out.columns[:2]) == ["code", "label"]
    assert {"tier", "formal", "custody", "court"} <= set(out.columns)
    assert codes("outcome", formal=False) == ["Outcome 22", "Community resolution"]
    assert codes("outcome", custody=True) == ["Detention and training order", "Section 250 detention"]
    assert codes("programme", oocd=True) == [
        "Outcome 22", "Community resolution", "Youth caution", "Youth conditional caution",
    ]
    assert "Turnaround" not in codes("programme", kpi_cohort=True)
    assert codes("ethnicity_detailed", group="Black") == ["African", "Caribbean", "Any other Black background"]
    # a label defaults to the code
    assert codelist("sex").set_index("code").loc["Male", "label"] == "Male"


def test_unknown_names_raise_value_error_naming_the_choices():
    d = load_dictionary()
    with pytest.raises(ValueError, match="did you mean 'outcome'"):
        d.codes("outcomes")
    with pytest.raises(ValueError, match="no attribute 'tear'"):
        d.codes("outcome", tear="custody")
    with pytest.raises(ValueError, match="did you mean 'offences'"):
        d.table("offence")
    with pytest.raises(ValueError, match="no field 'gravity'"):
        d.table("offences").field("gravity")


def _valid_offences() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "offence_id": ["F1", "F2"],
            "child_id": ["C1", "C1"],
            "authority_code": ["X01", "X01"],
            "offence_date": pd.to_datetime(["2023-01-02", "2023-03-04"]).astype("datetime64[ns]"),
            "outcome_date": pd.to_datetime(["2023-02-01", "2023-04-01"]).astype("datetime64[ns]"),
            "outcome": ["Youth caution", "Referral order"],
            "offence_group": ["Robbery", "Drugs"],
            "gravity_score": pd.array([3, 4], dtype="Int64"),
            "is_breach": pd.array([False, False], dtype="boolean"),
            "release_date": pd.to_datetime([None, None]).astype("datetime64[ns]"),
        }
    )


def test_pandera_schema_accepts_valid_rows():
    df = _valid_offences()
    pd.testing.assert_frame_equal(pandera_schema("offences").validate(df), df)


def test_pandera_schema_reports_every_check_by_rule_name():
    df = _valid_offences()
    df.loc[1, "offence_id"] = "F1"  # duplicate key
    df.loc[0, "gravity_score"] = 9
    df.loc[1, "outcome"] = "Caution"
    df.loc[1, "outcome_date"] = pd.Timestamp("2023-01-01")  # before the offence
    df.loc[0, "offence_group"] = None  # required
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("offences").validate(df, lazy=True)
    fc = info.value.failure_cases
    found = set(zip(fc["column"], fc["check"].astype(str), strict=True))
    assert ("offence_id", "field_uniqueness") in found
    assert ("gravity_score", "maximum") in found
    assert ("outcome", "code") in found
    assert ("outcome_date", "outcome_after_offence") in found
    assert ("offence_group", "not_nullable") in found


def test_pandera_schema_composite_key_and_extra_columns():
    df = pd.DataFrame(
        {
            "child_id": ["C1", "C1"], "authority_code": ["X01", "X01"],
            "academic_year": ["2023/24", "2023/24"], "term": ["Autumn", "Autumn"],
            "possible_sessions": pd.array([100, 100], dtype="Int64"),
            "attended_sessions": pd.array([90, 120], dtype="Int64"),
            "pupil_name": ["not allowed", "not allowed"],
        }
    )
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("attendance").validate(df, lazy=True)
    checks = set(info.value.failure_cases["check"].astype(str))
    assert {"multiple_fields_uniqueness", "attended_within_possible", "column_in_schema"} <= checks


def test_committed_readme_is_current():
    """`make dictionary` (cohort.dictionary.write_readme) regenerates this file."""
    assert (DICTIONARY / "README.md").read_text(encoding="utf-8") == render_readme()


def test_readme_is_generated_from_every_yaml_entry():
    text = render_readme()
    d = load_dictionary()
    for t in d.tables.values():
        assert f"### {t.name}: {t.title}" in text
        for f in t.fields:
            assert f"| `{f.name}` | {f.type} |" in text
        for r in t.rules:
            assert f"- `{r.name}`: {r.description}" in text
    for c in d.codelists.values():
        assert f'<a id="codelist-{c.name}"></a>' in text
        for code in c.values:
            assert f"| {code} |" in text
    assert "| `gravity_score` | integer | yes | 1 to 8 |" in text


def test_write_readme_writes_where_asked(tmp_path):
    out = write_readme(tmp_path / "README.md")
    assert out.read_text(encoding="utf-8") == render_readme()


def _copy_dictionary(tmp_path: Path) -> Path:
    root = tmp_path / "dd"
    shutil.copytree(DICTIONARY, root, ignore=shutil.ignore_patterns("__pycache__", "mappings"))
    return root


def test_inconsistent_dictionary_lists_every_problem(tmp_path):
    root = _copy_dictionary(tmp_path)
    path = root / "tables" / "offences.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["fields"][5]["codelist"] = "outcomes"          # no such list
    raw["fields"][7]["constraints"]["maximun"] = 8      # misspelt key
    raw["rules"].append({"name": "moon_phase", "description": "no code implements this"})
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_dictionary(root)
    msg = str(info.value)
    assert "unknown codelist 'outcomes' (did you mean 'outcome'?)" in msg
    assert "unknown key 'maximun' (did you mean 'maximum'?)" in msg
    assert "rule 'moon_phase' has no implementation" in msg


def test_dictionary_from_another_folder(tmp_path):
    d = load_dictionary(_copy_dictionary(tmp_path))
    assert d.codes("sex") == ["Male", "Female", "Unknown"]
