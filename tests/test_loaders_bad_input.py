"""Extracts that used to load silently wrong, or crash with a traceback.

Each case starts from the clean ChildView CSV extract (tests/data) and
breaks one thing; the test asserts the problem names the file, row and
column, that every input row is loaded or in the attrition log, and (at the
end) that the command line reports it in one line, never a traceback.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from cohort.cli import main
from cohort.exceptions import DataQualityWarning, UsageError, ValidationError
from cohort.loaders import load_extract, validate_extract

DATA = Path(__file__).resolve().parent / "data"
NAMES = ("young_people", "offences", "interventions", "victims")
KEY = "test-key-not-secret"
DAY = "2024-06-01"  # the extract date: after every date of the clean extract


def _frame(name: str) -> pd.DataFrame:
    enc = "cp1252" if name == "young_people" else "utf-8-sig"
    return pd.read_csv(DATA / f"childview_{name}.csv", dtype=str, keep_default_na=False, encoding=enc)


def extract(tmp_path: Path, **changed: pd.DataFrame | bytes | str) -> list[Path]:
    """The clean CSV extract in ``tmp_path`` with some files replaced."""
    paths = []
    for name in NAMES:
        path = tmp_path / f"childview_{name}.csv"
        new = changed.get(name)
        if new is None:
            shutil.copy(DATA / path.name, path)
        elif isinstance(new, bytes):
            path.write_bytes(new)
        elif isinstance(new, str):
            path.write_text(new, encoding="utf-8")
        else:
            new.to_csv(path, index=False)
        paths.append(path)
    return paths


def load(paths, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_extract(paths, mapping="childview", key=KEY, extract_date=DAY, **kw)


def problems(paths, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return validate_extract(paths, mapping="childview", extract_date=DAY, **kw)


def conserved(data) -> None:
    """Input rows = loaded rows + attrition rows, per table."""
    for table, n_in in data.metadata["rows_in"].items():
        n_att = int((data.attrition["table"] == table).sum())
        assert n_in == len(data.tables[table]) + n_att, table


def cli(args: list[str], capsys) -> tuple[int, str, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


# ----------------------------------------------------------------------------- columns


def test_a_mapped_column_feeding_a_derived_field_is_required(tmp_path):
    """Without 'Ethnicity Code' every child used to load as ethnicity Unknown."""
    yp = _frame("young_people").drop(columns="Ethnicity Code")
    p = problems(extract(tmp_path, young_people=yp))
    hit = p[p["rule"] == "mapped_column"]
    assert hit[["file", "column"]].values.tolist() == [["childview_young_people.csv", "Ethnicity Code"]]
    assert "`optional:`" in hit["message"].iloc[0]
    with pytest.raises(ValidationError):
        load(extract(tmp_path, young_people=yp))


def test_optional_columns_may_be_absent(tmp_path):
    yp = _frame("young_people").drop(columns="Ethnicity Code")
    mapping = _childview_dict()
    mapping["tables"]["children"]["optional"] = ["Ethnicity Code"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_extract(extract(tmp_path, young_people=yp), mapping=mapping, key=KEY, extract_date=DAY)
    assert set(data.children["ethnicity"]) == {"Unknown"}  # said, not silent: the mapping allows it


def test_headers_forgive_case_and_spaces_and_suggest_close_names(tmp_path):
    off = _frame("offences").rename(columns={"Offence Date": "  offence   DATE ", "Gravity": "Gravty"})
    p = problems(extract(tmp_path, offences=off))
    assert p[["file", "column", "rule"]].values.tolist() == [
        ["childview_offences.csv", "Gravity", "required_column"]
    ]
    assert "the file has 'Gravty': did you mean it?" in p["message"].iloc[0]


def test_one_header_typo_is_one_problem_not_a_cascade(tmp_path):
    """A misspelt key column used to give a foreign-key problem for every child row."""
    yp = _frame("young_people").rename(columns={"YP_ID": "YP_IDD"})
    p = problems(extract(tmp_path, young_people=yp))
    assert p[["file", "column", "rule"]].values.tolist() == [
        ["childview_young_people.csv", "YP_ID", "required_column"]
    ]
    assert "'YP_IDD': did you mean it?" in p["message"].iloc[0]


# ----------------------------------------------------------------------------- empty tables


def test_a_header_only_file_is_an_error(tmp_path):
    vic = _frame("victims").iloc[:0]
    p = problems(extract(tmp_path, victims=vic))
    assert p[["file", "rule"]].values.tolist() == [["childview_victims.csv", "no_data_rows"]]


def test_a_zero_byte_file_is_an_error(tmp_path):
    p = problems(extract(tmp_path, victims=b""))
    assert p[["file", "rule", "message"]].values.tolist() == [
        ["childview_victims.csv", "file_empty", "the file is empty (0 bytes)"]
    ]
    with pytest.raises(ValidationError, match="empty"):
        load(extract(tmp_path, victims=b""), strict=False)


def test_a_workbook_whose_sheets_match_no_table_is_an_error(tmp_path):
    path = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(path) as xl:
        _frame("young_people").to_excel(xl, sheet_name="Sheet1", index=False)
    p = problems(path)
    assert p["rule"].tolist() == ["no_sheet_matches"]
    assert "'Sheet1'" in p["message"].iloc[0] and "'Young People'" in p["message"].iloc[0]


# ----------------------------------------------------------------------------- dates


def test_a_future_date_is_an_error_and_never_moves_the_extract_date(tmp_path):
    off = _frame("offences")
    off.loc[4, "Outcome Date"] = "02/09/2031"  # a typo for 2023
    p = problems(extract(tmp_path, offences=off))
    assert p[["file", "row", "column", "rule"]].values.tolist() == [
        ["childview_offences.csv", 5, "Outcome Date", "after_extract_date"]
    ]
    data = load(extract(tmp_path, offences=off), strict=False)
    assert data.metadata["extract_date"] == DAY  # from outside the rows
    conserved(data)


def test_the_extract_date_defaults_to_today_not_the_latest_row(tmp_path):
    import datetime as dt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_extract(extract(tmp_path), mapping="childview", key=KEY)
    assert data.metadata["extract_date"] == dt.date.today().isoformat()
    assert data.metadata["extract_date_source"] == "day of loading"


def test_a_birth_date_after_the_offence_is_blamed_on_the_child_row(tmp_path):
    yp = _frame("young_people")
    yp.loc[yp["YP_ID"] == "YP0004", "DOB"] = "01/09/2023"  # born after OF0005 (20/07/2023)
    p = problems(extract(tmp_path, young_people=yp))
    assert p[["file", "row", "column", "rule"]].values.tolist() == [
        ["childview_young_people.csv", 4, "DOB", "born_after_offence"]
    ]
    assert "childview_offences.csv row 5" in p["message"].iloc[0]
    assert p["value"].iloc[0] == "<withheld: date of birth>"


# ----------------------------------------------------------------------------- rows


def test_blank_rows_are_logged_and_rows_are_conserved(tmp_path):
    text = (DATA / "childview_interventions.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines.insert(3, ",,,,,,,,")
    lines.insert(6, "")
    data = load(extract(tmp_path, interventions="\n".join(lines) + "\n"))
    att = data.attrition[data.attrition["table"] == "interventions"]
    assert att[["row", "rule", "reason"]].values.tolist() == [[3, "blank_row", "blank row"],
                                                              [6, "blank_row", "blank row"]]
    assert data.metadata["rows_in"]["interventions"] == 10
    conserved(data)


def test_an_exact_duplicate_row_keeps_one_copy(tmp_path):
    off = _frame("offences")
    off = pd.concat([off, off.iloc[[2]]], ignore_index=True)  # row 3 again as row 17
    data = load(extract(tmp_path, offences=off))  # strict: not an error
    assert (data.offences["offence_id"].str.len() > 0).all() and len(data.offences) == 15
    att = data.attrition[data.attrition["table"] == "offences"]
    dup = att[att["rule"] == "duplicate_row"]
    assert dup[["file", "row"]].values.tolist() == [["childview_offences.csv", 17]]
    assert dup["reason"].iloc[0] == "exact duplicate of row 3 (one copy kept)"
    conserved(data)


def test_a_duplicate_key_with_different_contents_rejects_both(tmp_path):
    off = _frame("offences")
    extra = off.iloc[[2]].copy()
    extra["Gravity"] = "4"
    p = problems(extract(tmp_path, offences=pd.concat([off, extra], ignore_index=True)))
    assert sorted(p.loc[p["rule"] == "primary_key", "row"].tolist()) == [3, 17]


# ----------------------------------------------------------------------------- files


def test_utf16_and_semicolon_files_are_read(tmp_path):
    off = _frame("offences")
    text = off.to_csv(index=False, sep=";")
    data = load(extract(tmp_path, offences=text.encode("utf-16")))
    assert len(data.offences) == 15
    assert data.metadata["encodings"]["childview_offences.csv"] == "utf-16"
    assert data.metadata["delimiters"]["childview_offences.csv"] == ";"


def test_undecodable_bytes_say_what_was_tried(tmp_path):
    raw = (DATA / "childview_interventions.csv").read_bytes() + b"IN0099,YP0001,\x81\x8d\x90,\n"
    p = problems(extract(tmp_path, interventions=raw))
    assert p["rule"].tolist() == ["encoding"]
    msg = p["message"].iloc[0]
    assert "byte 0x81 at line 10" in msg and "tried UTF-8, UTF-16 and Windows-1252" in msg
    bom = (DATA / "childview_offences.csv").read_bytes() + b"OF0099,YP0001,\x81\x8d\x90,\n"
    p = problems(extract(tmp_path, offences=bom))
    assert "byte 0x81 at line 18" in p["message"].iloc[0]


def test_garbage_is_not_read_as_a_table(tmp_path):
    import random

    rng = random.Random(3)
    p = problems(extract(tmp_path, offences=bytes(rng.randrange(256) for _ in range(4000))))
    assert p["rule"].tolist() == ["file_type"] or p["rule"].tolist() == ["encoding"]
    assert p["file"].tolist() == ["childview_offences.csv"]


def test_a_workbook_saved_with_a_csv_name_is_recognised(tmp_path):
    path = tmp_path / "x.xlsx"
    _frame("offences").to_excel(path, index=False)
    p = problems(extract(tmp_path, offences=path.read_bytes()))
    assert "Excel .xlsx workbook" in p["message"].iloc[0]


def test_missing_files_and_xls_files(tmp_path):
    with pytest.raises(UsageError, match="not found: .*nowhere.csv"):
        load([tmp_path / "nowhere.csv"])
    xls = tmp_path / "childview_offences.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    p = problems([xls])
    assert p["rule"].tolist() == ["file_type"] and "save it as an Excel Workbook (.xlsx)" in p["message"].iloc[0]


# ----------------------------------------------------------------------------- the command line


def _childview_dict() -> dict:
    import yaml

    path = Path(__file__).resolve().parents[1] / "data_dictionary" / "mappings" / "childview.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("case", "rc", "needle"),
    [
        ("zero_bytes", 1, "the file is empty (0 bytes)"),
        ("garbage", 1, "childview_offences.csv"),
        ("undecodable", 1, "tried UTF-8, UTF-16 and Windows-1252"),
        ("header_only", 1, "no data rows"),
        ("future_date", 1, "after the extract date"),
        ("missing_file", 2, "not found"),
        ("xls", 1, ".xls"),
        ("header_typo", 1, "did you mean it?"),
        ("bad_mapping", 2, "unknown table"),
        ("bad_date", 2, "is not a date"),
        ("names_not_dropped", 1, "'Forename'"),
    ],
)
def test_the_cli_never_prints_a_traceback(case, rc, needle, tmp_path, capsys):
    import random

    off = _frame("offences")
    changed: dict = {}
    extra: list[str] = []
    mapping = "childview"
    if case == "zero_bytes":
        changed["offences"] = b""
    elif case == "garbage":
        rng = random.Random(3)
        changed["offences"] = bytes(rng.randrange(256) for _ in range(4000))
    elif case == "undecodable":
        changed["interventions"] = (DATA / "childview_interventions.csv").read_bytes() + b"\x81\x8d\x90\n"
    elif case == "header_only":
        changed["offences"] = off.iloc[:0]
    elif case == "future_date":
        off.loc[4, "Outcome Date"] = "02/09/2031"
        changed["offences"] = off
    elif case == "header_typo":
        changed["offences"] = off.rename(columns={"Gravity": "Gravty"})
    elif case == "bad_mapping":
        bad = tmp_path / "bad.yaml"
        bad.write_text("tables:\n  childen: {}\n", encoding="utf-8")
        mapping = str(bad)
    elif case == "bad_date":
        extra = ["--extract-date", "31/13/2024"]
    elif case == "names_not_dropped":
        m = _childview_dict()
        m["tables"]["children"]["drop"] = []
        import yaml

        path = tmp_path / "leaky.yaml"
        path.write_text(yaml.safe_dump(m), encoding="utf-8")
        mapping = str(path)
    paths = [str(p) for p in extract(tmp_path, **changed)]
    if case == "missing_file":
        paths.append(str(tmp_path / "childview_kpis.csv"))
    if case == "xls":
        xls = tmp_path / "childview_offences.xls"
        xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
        paths = [str(xls)]
    for command in (["validate"], ["ingest", "--store", str(tmp_path / "store")]):
        args = [*command, *paths, "--mapping", mapping, *extra]
        if "--extract-date" not in args:
            args += ["--extract-date", DAY]
        got, out, err = cli(args, capsys)
        assert got == rc, (command, out, err)
        assert needle in out + err, (command, out, err)
        assert not (tmp_path / "store").exists()
