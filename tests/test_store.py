"""Tests for cohort.store: the partitioned Parquet store.

The fixtures are small CohortData objects built by hand (three fictional
authorities X01-X03, a few rows per table) covering the dtypes the data
model uses, so every expectation is known by construction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from cohort.cohortdata import ATTRITION_COLUMNS, CohortData
from cohort.exceptions import CohortError
from cohort.store import default_store_path, open_store, store_info, verify_store, write_store
from cohort.store import reading as store_reading


def make_data() -> CohortData:
    authorities = pd.DataFrame(
        {
            "authority_code": ["X01", "X02", "X03"],
            "authority_name": ["Northby", "Southby", "Westby"],
            "region": ["North West"] * 3,
            "yjs_code": ["Y1", "Y1", "Y2"],
            "yjs_name": ["North and South", "North and South", "Westby"],
            "synthetic": [True, True, True],
        }
    )
    children = pd.DataFrame(
        {
            "child_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "authority_code": ["X02", "X01", "X03", "X01", "X02", "X03"],
            "birth_month": ["2008-03", "2009-11", "2007-01", "2010-06", "2008-12", "2009-02"],
            "sex": pd.Categorical(
                ["Male", "Female", "Male", "Male", "Female", "Male"],
                categories=["Male", "Female", "Unknown"],  # "Unknown" unused
            ),
            "ethnicity": pd.Series(
                ["White", "Black", None, "Asian", "White", "Mixed"], dtype=object
            ),
            "send_level": pd.Categorical(
                ["None", "EHCP", "SEN Support", "None", None, "EHCP"],
                categories=["None", "SEN Support", "EHCP"],
                ordered=True,
            ),
            "care_status": pd.array([True, False, None, False, True, None], dtype="boolean"),
            "notes": pd.array(["a", None, "c", "d", "e", "f"], dtype="string"),
        }
    )
    offences = pd.DataFrame(
        {
            "offence_id": [f"o{i}" for i in range(1, 8)],
            "child_id": ["c1", "c1", "c2", "c3", "c4", "c5", "c6"],
            "authority_code": ["X02", "X02", "X01", "X03", "X01", "X02", "X03"],
            "offence_date": pd.to_datetime(
                [
                    "2024-02-29",
                    "2024-05-01",
                    "2023-12-31",
                    "2024-07-15",
                    "2024-08-01",
                    "2025-01-02",
                    "2024-03-31",
                ]
            ),
            "outcome_date": pd.to_datetime(
                ["2024-04-01", None, "2024-01-15", "2024-09-01", None, "2025-02-01", "2024-04-30"]
            ),
            "gravity_score": pd.array([3, 5, None, 2, 8, 1, 4], dtype="Int64"),
            "outcome": pd.Categorical(
                ["youth caution", "referral order", "YRO", "community resolution"] * 2
            )[:7],
            "is_breach": [False, False, True, False, False, False, True],
            "days_to_outcome": [32.0, np.nan, 15.0, 48.0, np.nan, 30.0, 30.0],
            "recorded_at": pd.to_datetime(["2024-04-01 09:30"] * 7).tz_localize("Europe/London"),
            "offence_day": [dt.date(2024, 2, 29)] * 7,
        }
    )
    board = pd.DataFrame(
        {
            "quarter": ["2024/25 Q1", "2024/25 Q1", "2024/25 Q2"],
            "agency": ["Police", "Health", "Police"],
            "attended": pd.array([True, None, False], dtype="boolean"),
        }
    )
    population = pd.DataFrame(
        {
            "authority_code": ["X01", "X01", "X02", "X03"],
            "mid_year": [2023] * 4,
            "age": [10, 11, 10, 10],
            "sex": ["Female", "Female", "Male", "Male"],
            "ethnicity": ["All"] * 4,
            "population": [1500, 1490, 1200, 800],
        }
    )
    victims = pd.DataFrame(
        {
            "victim_id": pd.Series([], dtype="str"),
            "authority_code": pd.Series([], dtype="str"),
            "contacted": pd.Series([], dtype="boolean"),
            "age_band": pd.Categorical([], categories=["0-9", "10-17", "18+"]),
        }
    )
    attrition = pd.DataFrame(
        {
            "file": ["extract.xlsx", "extract.xlsx"],
            "sheet": ["Offences", "Children"],
            "table": ["offences", "children"],
            "row": pd.array([12, None], dtype="Int64"),
            "column": ["offence_date", None],
            "rule": ["required", "unique"],
            "reason": ["offence date missing", "duplicate child"],
        }
    )
    return CohortData(
        {
            "authorities": authorities,
            "children": children,
            "offences": offences,
            "board_attendance": board,
            "population": population,
            "victims": victims,
        },
        attrition,
        {"synthetic": True, "source": "hand-made test fixture", "seed": 3},
    )


@pytest.fixture
def data() -> CohortData:
    return make_data()


@pytest.fixture
def store(tmp_path, data) -> Path:
    return write_store(data, tmp_path / "store")


def assert_same(a: CohortData, b: CohortData) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        assert_frame_equal(a.tables[name], b.tables[name], check_dtype=True, obj=name)
    assert_frame_equal(a.attrition, b.attrition, check_dtype=True, obj="attrition")
    strip = lambda m: {k: v for k, v in m.items() if k != "store_fingerprint"}  # noqa: E731
    assert strip(a.metadata) == strip(b.metadata)
    assert a.fingerprint() == b.fingerprint()


# ------------------------------------------------------------------ round trip


def test_round_trip_is_faithful(store, data):
    back = open_store(store)
    assert_same(back, data)
    assert back.fingerprint() == data.fingerprint() == store_info(store)["fingerprint"]
    assert back.synthetic


def test_dtypes_survive(store):
    back = open_store(store)
    ch, off = back.children, back.offences
    assert ch["sex"].cat.categories.tolist() == ["Male", "Female", "Unknown"]
    assert ch["send_level"].cat.ordered
    assert ch["ethnicity"].dtype == object
    assert str(ch["care_status"].dtype) == "boolean" and ch["care_status"].isna().sum() == 2
    assert str(ch["notes"].dtype) == "string"
    assert pd.api.types.is_datetime64_dtype(off["offence_date"])
    assert off["outcome_date"].isna().sum() == 2
    assert str(off["recorded_at"].dt.tz) == "Europe/London"
    assert str(off["gravity_score"].dtype) == "Int64"
    assert off["is_breach"].dtype == bool
    assert off["offence_day"].iloc[0] == dt.date(2024, 2, 29)
    assert str(back.attrition["row"].dtype) == "Int64"


def test_rows_keep_their_order(store, data):
    # children are interleaved across authorities; partitioning must not reorder them
    assert open_store(store).children["child_id"].tolist() == data.children["child_id"].tolist()


def test_layout(store):
    for code in ("X01", "X02", "X03"):
        assert (store / "offences" / f"authority_code={code}" / "part-0.parquet").is_file()
        assert (store / "authorities" / f"authority_code={code}" / "part-0.parquet").is_file()
    assert (store / "board_attendance.parquet").is_file()
    assert (store / "attrition.parquet").is_file()
    assert (store / "manifest.json").is_file()
    # hive style: the partition column lives in the folder name, not the file
    names = pq.read_schema(store / "offences" / "authority_code=X01" / "part-0.parquet").names
    assert "authority_code" not in names


def test_store_is_readable_by_standard_hive_tooling(store, data):
    table = pads.dataset(store / "offences", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == len(data.offences)
    assert sorted(set(table.column("authority_code").to_pylist())) == ["X01", "X02", "X03"]


def test_manifest(store, data):
    m = store_info(store)
    assert m == json.loads((store / "manifest.json").read_text())
    assert m["fingerprint"] == data.fingerprint()
    assert m["package_version"] == version("cohort")
    created = pd.Timestamp(m["created"])
    assert created.tzinfo is not None
    assert abs(pd.Timestamp.now(tz="UTC") - created) < pd.Timedelta(minutes=5)
    assert m["metadata"] == data.metadata
    assert m["authorities"] == ["X01", "X02", "X03"]
    assert m["row_counts"] == {name: len(df) for name, df in data.tables.items()}
    offences = {c["name"]: c["dtype"] for c in m["tables"]["offences"]["columns"]}
    assert offences["gravity_score"] == "Int64"
    assert offences["outcome"] == "category"
    assert offences["offence_date"].startswith("datetime64")
    assert m["tables"]["offences"]["partitions"]["X02"]["rows"] == 3
    assert m["attrition"]["rows"] == 2


def test_empty_tables_keep_their_schema(store):
    victims = open_store(store).victims
    assert victims.empty
    assert list(victims.columns) == ["victim_id", "authority_code", "contacted", "age_band"]
    assert str(victims["contacted"].dtype) == "boolean"
    assert victims["age_band"].cat.categories.tolist() == ["0-9", "10-17", "18+"]


def test_empty_cohortdata(tmp_path):
    back = open_store(write_store(CohortData(), tmp_path / "s"))
    assert back.tables == {} and back.attrition.empty
    assert list(back.attrition.columns) == list(ATTRITION_COLUMNS)


def test_missing_authority_code_goes_to_hive_default_partition(tmp_path):
    df = pd.DataFrame({"authority_code": ["X01", None, "X02"], "n": [1, 2, 3]})
    path = write_store(CohortData({"children": df}), tmp_path / "s")
    assert (path / "children" / "authority_code=__HIVE_DEFAULT_PARTITION__").is_dir()
    back = open_store(path).children
    assert back["authority_code"].isna().tolist() == [False, True, False]
    assert back["n"].tolist() == [1, 2, 3]
    assert store_info(path)["authorities"] == ["X01", "X02"]


# ------------------------------------------------------------------ one authority


def test_one_authority_equals_the_authority_subset(store, data):
    one = open_store(store, authorities=["X02"])
    expected = data.authority("X02")
    for name in data.tables:
        assert_frame_equal(one.tables[name], expected.tables[name], check_dtype=True, obj=name)
    assert one.fingerprint() == expected.fingerprint()
    assert one.children["child_id"].tolist() == ["c1", "c5"]
    assert len(one.board_attendance) == 3  # no authority_code: loaded whole
    assert_frame_equal(one.attrition, data.attrition)


def test_one_authority_does_not_touch_the_others(store, monkeypatch):
    """Delete one authority's files and corrupt another's: X02 still opens."""
    for table in ("offences", "children", "authorities", "population"):
        (store / table / "authority_code=X01" / "part-0.parquet").unlink()
        (store / table / "authority_code=X03" / "part-0.parquet").write_bytes(b"not parquet")
    read = []
    real = store_reading._read_columns

    def spy(source, *args, **kwargs):
        read.append(str(source))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(store_reading, "_read_columns", spy)
    one = open_store(store, authorities="X02")
    assert len(one.offences) == 3 and set(one.offences["authority_code"]) == {"X02"}
    assert read and not any("X01" in p or "X03" in p for p in read)
    with pytest.raises(CohortError, match="missing|cannot be read"):
        open_store(store)


@pytest.mark.parametrize("reader", ["arrow", "parquetfile"])
def test_partition_reader_paths_agree(store, data, monkeypatch, reader):
    """Partition files are read through Arrow's own Parquet reader when pyarrow has it
    where it has long been, else through ParquetFile: the same tables, and the same
    errors for a file that is not Parquet."""
    if reader == "parquetfile":
        monkeypatch.setattr(store_reading, "_ParquetReader", None)
    elif store_reading._ParquetReader is None:
        pytest.skip("this pyarrow has no pyarrow._parquet.ParquetReader")
    assert_frame_equal(open_store(store).offences, data.offences)
    part = store / "children" / "authority_code=X02" / "part-0.parquet"
    part.write_bytes(b"x" * part.stat().st_size)  # the size the manifest recorded
    with pytest.raises(CohortError, match="children.*X02.*cannot be read"):
        len(open_store(store).children)


def test_several_authorities_and_tables(store, data):
    two = open_store(store, authorities=["X03", "X01"], tables=["offences", "board_attendance"])
    assert list(two.tables) == ["offences", "board_attendance"]
    expected = data.offences[data.offences["authority_code"].isin(["X01", "X03"])]
    assert_frame_equal(two.offences, expected.reset_index(drop=True))
    assert two.children.empty  # not loaded


def test_select_reads_only_the_columns_asked(store, data, monkeypatch):
    """A measure's select() reads those columns only; later reads add only what is missing,
    and the whole table read in pieces equals the table written (order, dtypes)."""
    scanned = []
    real = store_reading._scan

    def spy(root, spec, labels, names):
        scanned.append([n for n in names if not n.startswith("__")])
        return real(root, spec, labels, names)

    monkeypatch.setattr(store_reading, "_scan", spy)
    back = open_store(store)
    part = back.select("offences", ["outcome", "child_id", "no_such_column"])
    assert_frame_equal(part, data.offences[["outcome", "child_id"]])
    assert scanned == [["outcome", "child_id"]]
    assert back.tables.loaded() == ["offences"]
    back.select("offences", ["child_id", "offence_date"])  # only offence_date is new
    assert scanned[-1] == ["offence_date"]
    assert_frame_equal(back.offences, data.offences, check_dtype=True)  # the rest, in order
    assert set(scanned[-1]) == set(data.offences.columns) - {"outcome", "child_id", "offence_date"}
    assert "authority_code" in scanned[-1]  # taken from the partition labels
    n = len(scanned)
    assert_frame_equal(back.select("offences", ["is_breach"]), data.offences[["is_breach"]])
    assert len(scanned) == n  # read already
    one = open_store(store, authorities="X02")
    assert one.select("children", ["authority_code", "sex"])["sex"].tolist() == ["Male", "Female"]
    assert one.select("children", []).shape == (2, 0)
    plain = CohortData({"children": data.children})
    assert_frame_equal(plain.select("children", ["sex", "nope"]), data.children[["sex"]])
    assert plain.select("offences", ["child_id"]).empty


def test_authority_with_no_rows_in_a_table(tmp_path, data):
    data.tables["offences"] = data.offences[data.offences["authority_code"] != "X03"]
    path = write_store(data, tmp_path / "s")
    off = open_store(path, authorities=["X03"]).offences
    assert off.empty and str(off["gravity_score"].dtype) == "Int64"


def test_unknown_names(store):
    with pytest.raises(ValueError, match=r"\['X09'\].*X01, X02, X03"):
        open_store(store, authorities=["X09"])
    with pytest.raises(ValueError, match="kpis"):
        open_store(store, tables=["kpis"])


# ------------------------------------------------------------------ writing safely


def test_refuses_to_overwrite(store, data):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_store(data, store)


def test_overwrite_replaces(store, data):
    data.tables["offences"] = data.offences.iloc[:2]
    write_store(data, store, overwrite=True)
    assert len(open_store(store).offences) == 2
    assert store_info(store)["fingerprint"] == data.fingerprint()
    assert sorted(p.name for p in store.parent.iterdir()) == ["store"]  # no temp or old dirs


def test_never_replaces_a_folder_that_is_not_a_store(tmp_path, data):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.docx").write_text("years of work")
    with pytest.raises(CohortError, match="not a cohort store"):
        write_store(data, folder, overwrite=True)
    assert (folder / "thesis.docx").read_text() == "years of work"
    empty = tmp_path / "empty"
    empty.mkdir()
    write_store(data, empty, overwrite=True)
    assert store_info(empty)["fingerprint"] == data.fingerprint()


def test_failed_write_leaves_nothing_behind(tmp_path, data):
    bad = make_data()
    bad.tables["offences"] = bad.offences.assign(mixed=[1, "two", 3, 4, 5, 6, 7])
    with pytest.raises(CohortError, match="mixes types"):
        write_store(bad, tmp_path / "s")
    assert list(tmp_path.iterdir()) == []
    # an existing store survives a failed overwrite untouched
    path = write_store(data, tmp_path / "s")
    with pytest.raises(CohortError):
        write_store(bad, path, overwrite=True)
    assert_same(open_store(path), data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_write_creates_parents(tmp_path, data):
    path = write_store(data, tmp_path / "a" / "b" / "store")
    assert store_info(path)["fingerprint"] == data.fingerprint()


def test_bad_inputs(tmp_path, data):
    with pytest.raises(TypeError, match="CohortData"):
        write_store({"children": data.children}, tmp_path / "s")
    with pytest.raises(ValueError, match="Table name"):
        write_store(CohortData({"bad name": data.children}), tmp_path / "s")
    with pytest.raises(ValueError, match="Table name"):
        write_store(CohortData({"attrition": data.children}), tmp_path / "s")
    with pytest.raises(ValueError, match="not text"):
        write_store(CohortData({"t": pd.DataFrame({0: [1]})}), tmp_path / "s")
    assert not (tmp_path / "s").exists()


# ------------------------------------------------------------------ checking on read


def test_changed_partition_is_detected(store, data):
    part = store / "offences" / "authority_code=X01" / "part-0.parquet"
    table = pq.read_table(part).to_pandas()
    table.loc[0, "gravity_score"] = 7  # a plausible, silent edit
    pq.write_table(pq.read_table(part).from_pandas(table, preserve_index=False), part)
    # the cheap check on open: the file is no longer the size that was written
    with pytest.raises(CohortError, match="partition X01.*was changed after the store was written"):
        open_store(store, authorities=["X01"])
    assert len(open_store(store, authorities=["X02"]).offences) == 3
    # an edit that keeps the size (here: the manifest told the new size) passes the cheap
    # check and is caught by the content hashes, on demand
    m = store_info(store)
    m["tables"]["offences"]["partitions"]["X01"]["bytes"] = part.stat().st_size
    (store / "manifest.json").write_text(json.dumps(m))
    assert len(open_store(store, authorities=["X01"]).offences) == len(table)
    with pytest.raises(CohortError, match="partition 'X01'.*does not match"):
        len(open_store(store, authorities=["X01"], verify=True).offences)
    with pytest.raises(CohortError, match="partition 'X01'.*does not match"):
        verify_store(store)


def test_changed_file_table_is_detected(store):
    path = store / "board_attendance.parquet"
    df = pd.read_parquet(path)
    pq.write_table(pq.read_table(path).from_pandas(df.iloc[:2], preserve_index=False), path)
    with pytest.raises(CohortError, match="was changed after the store was written"):
        open_store(store, tables=["board_attendance"])


def test_not_a_store(tmp_path, store):
    with pytest.raises(CohortError, match="not a cohort store"):
        open_store(tmp_path / "nowhere")
    m = store_info(store)
    m["format_version"] = 99
    (store / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(CohortError, match="Upgrade cohort"):
        open_store(store)
    (store / "manifest.json").write_text("{not json")
    with pytest.raises(CohortError, match="not valid JSON"):
        store_info(store)


# ------------------------------------------------------------------ default path


def test_default_store_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COHORT_STORE", str(tmp_path / "mystore"))
    assert default_store_path() == tmp_path / "mystore"


def test_default_store_path_without_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("COHORT_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_store_path() == Path("demo_store")
    write_store(make_data(), tmp_path / "demo_store")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert default_store_path() == tmp_path / "demo_store"
    monkeypatch.setenv("COHORT_STORE", "")
    assert default_store_path() == tmp_path / "demo_store"


def test_authority_codes_alone_come_from_the_manifest(tmp_path, data, monkeypatch):
    """A table whose authorities' rows each run together answers a read of authority_code
    alone from the manifest (no file opened), in row order; interleaved rows are read."""
    grouped = CohortData({"children": data.children.sort_values("authority_code", kind="stable")
                          .reset_index(drop=True),
                          "offences": data.offences})
    path = write_store(grouped, tmp_path / "s")
    scanned = []
    real = store_reading._scan
    monkeypatch.setattr(store_reading, "_scan", lambda *a: scanned.append(a[1]["path"]) or real(*a))
    codes = open_store(path).select("children", ["authority_code"])
    assert_frame_equal(codes, grouped.children[["authority_code"]])
    assert scanned == []
    two = open_store(path, authorities=["X03", "X01"]).select("children", ["authority_code"])
    assert two["authority_code"].tolist() == ["X01", "X01", "X03", "X03"]
    assert scanned == []
    # offences are stored in their original, interleaved order: read from the files
    assert_frame_equal(open_store(path).select("offences", ["authority_code"]),
                       data.offences[["authority_code"]])
    assert scanned == ["offences"]


def test_authority_codes_from_the_manifest_after_a_refresh(tmp_path, monkeypatch):
    from cohort.store import update_store

    def extract(code, ids, day):
        return CohortData({"children": pd.DataFrame({"child_id": ids, "authority_code": code})},
                          metadata={"extract_date": day})

    path = tmp_path / "s"
    update_store(extract("E1", ["a", "b"], "2026-01-05"), path)
    update_store(extract("E2", ["c"], "2026-01-05"), path)
    update_store(extract("E1", ["d", "e", "f"], "2026-04-06"), path)  # now numbered after E2's
    whole = open_store(path).children
    assert whole["child_id"].tolist() == ["c", "d", "e", "f"]
    monkeypatch.setattr(store_reading, "_scan", None)  # any file scan would fail
    assert open_store(path).select("children", ["authority_code"])["authority_code"].tolist() == [
        "E2", "E1", "E1", "E1"]


def test_row_counts_without_reading(store, data, monkeypatch):
    back = open_store(store, authorities=["X02"])
    monkeypatch.setattr(store_reading, "_scan", None)  # any file read would fail
    assert back.rows("children") == int((data.children["authority_code"] == "X02").sum())
    assert back.rows("victims") == 0 and back.rows("no_such_table") == 0
    assert back.rows("board_attendance") == len(data.board_attendance)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_reads_the_store(store, data):
    """The batch runner forks a child per report after the parent has read the store:
    the child reads with threads of its own (the parent's do not exist in it)."""
    assert_frame_equal(open_store(store).children, data.children)  # the parent's pool
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only when the read completes and matches
        try:
            ok = open_store(store).offences.equals(data.offences)
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    pytest.fail("the forked child hung reading the store")
