"""Reading participant lists: pseudonymised like the extracts, every problem reported with its place."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from cohort import read_participants
from cohort.exceptions import DataQualityWarning, ValidationError
from cohort.loaders import pseudonymise


def test_csv_ids_are_pseudonymised_with_the_ingest_hash(tmp_path):
    path = tmp_path / "cyc.csv"
    path.write_text("Child ID,Start date,Name\nYP1,15/09/2023,Ann\nYP2,2023-10-02,Bea\nYP1,15/09/2023,Ann\n",
                    encoding="utf-8")
    out = read_participants(path, key="k1")
    assert list(out.columns) == ["child_id", "start_date", "source_row"]
    expected = pseudonymise(pd.Series(["YP1", "YP2", "YP1"]), "k1").tolist()
    assert out["child_id"].tolist() == expected  # joins the store's child_id
    assert out["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-09-15", "2023-10-02", "2023-09-15"]
    assert out["source_row"].tolist() == [1, 2, 3]
    assert "Ann" not in out.to_csv()  # other columns never leave the reader


def test_key_from_environment_and_warning_without_key(tmp_path, monkeypatch):
    path = tmp_path / "ids.csv"
    path.write_text("id\nA\n", encoding="utf-8")
    monkeypatch.setenv("COHORT_PSEUDONYMISATION_KEY", "env-key")
    assert read_participants(path)["child_id"].iloc[0] == pseudonymise(pd.Series(["A"]), "env-key").iloc[0]
    monkeypatch.delenv("COHORT_PSEUDONYMISATION_KEY")
    with pytest.warns(DataQualityWarning, match="no pseudonymisation key"):
        out = read_participants(path)
    assert out["child_id"].iloc[0] == "A"
    assert out["start_date"].isna().all()


def test_excel_with_dates_as_cells(tmp_path):
    path = tmp_path / "list.xlsx"
    pd.DataFrame({"Young person ID": ["P1", "P2"],
                  "Programme start": pd.to_datetime(["2024-01-08", "2024-02-12"])}).to_excel(path, index=False)
    out = read_participants(path, key="k")
    assert out["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-08", "2024-02-12"]


def test_every_problem_named_with_file_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("child_id,start_date\nA,2023-09-01\n,2023-09-01\nC,31/02/2023\nD,soon\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_participants(path, key="k")
    problems = err.value.problems
    assert problems[["row", "column", "rule"]].values.tolist() == [
        [2, "child_id", "required"], [3, "start_date", "date"], [4, "start_date", "date"]]
    assert (problems["file"] == "bad.csv").all()
    assert "bad.csv, row 4, column 'start_date'" in str(err.value)


def test_missing_id_column_lists_the_columns(tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("pupil name,start\nAnn,2023-09-01\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="no identifier column") as err:
        read_participants(path, key="k")
    assert "pupil name" in str(err.value)
    with pytest.raises(ValidationError, match="no start date column 'begun'"):
        read_participants(path, key="k", id_column="pupil name", start_column="begun")


def test_file_type_and_existence(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_participants(tmp_path / "none.csv")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="CSV"):
        read_participants(tmp_path / "x.json")


def test_windows_1252_csv(tmp_path):
    path = tmp_path / "cp.csv"
    path.write_bytes("id,notes\nA,caf\xe9\n".encode("cp1252"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert read_participants(path)["child_id"].tolist() == ["A"]
