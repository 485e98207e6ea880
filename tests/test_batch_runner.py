"""The batch runner a night shift can trust: isolation, kills, faults, checks, Dask, the wheel.

Fixture notebooks (tests/data/notebooks): ``isolation`` records what a report
sees of the state an earlier report could leave (a global, a matplotlib
rcParam, NumPy's random state, an open file) and then changes all of it;
``fragile`` sleeps ``$COHORT_TEST_SLEEP`` seconds and fails for the authority
named by ``$COHORT_TEST_BREAK``, as one authority's bad data would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cohort import batch
from cohort.cli import main
from cohort.exceptions import UsageError

NB = Path(__file__).parent / "data" / "notebooks"
QUARTERS = ["2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4"]


def test_no_state_passes_from_one_report_to_the_next(store_path, tmp_path):
    """Two reports on one worker (jobs=1): the second sees none of what the first changed."""
    import matplotlib

    m = batch.run([str(NB / "isolation.ipynb")], ["X01", "X02"], ["2024/25 Q1"], store=store_path,
                  output=tmp_path, jobs=1, progress=False)
    assert set(m["status"]) == {"ok"}
    default = matplotlib.rcParamsDefault["lines.linewidth"]
    after_seed = np.random.RandomState(12345).random_sample()  # what follows the first report's seed
    for code in ("X01", "X02"):
        seen = json.loads((tmp_path / code / f"seen_{code}.json").read_text())
        assert seen["leaked"] is None
        assert seen["linewidth"] == default
        assert seen["first_random"] != pytest.approx(after_seed)


def test_checks_refuse_before_any_report_starts(store_path, tmp_path, capsys):
    nb = [str(NB / "tiny.ipynb")]
    for quarters, needle in ((["2025/26 Q5"], "quarter '2025/26 Q5'"), (["2025 Q4"], "ambiguous"),
                             (["2030/31 Q1"], "ends after the data's extract date")):
        with pytest.raises(UsageError, match=needle):
            batch.run(nb, ["X01"], quarters, store=store_path, output=tmp_path, progress=False)
    with pytest.raises(UsageError, match="authority 'X99'.*not in the store"):
        batch.run(nb, ["X99"], ["2024/25 Q1"], store=store_path, output=tmp_path, progress=False)
    assert not (tmp_path / "manifest.json").exists() and not (tmp_path / "manifest.jsonl").exists()
    # on the command line: one readable line, exit code 2
    rc = main(["run", "--store", str(store_path), "--output", str(tmp_path), "--notebooks", nb[0],
               "--quarters", "2030/31 Q1", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith("cohort: 2030/31 Q1 ends after")
    # one quarter written two ways is one report with one file name
    m = batch.run(nb, ["X01"], ["Q1 2024/25", "2024-25 Q1"], store=store_path, output=tmp_path, progress=False)
    assert m["quarter"].tolist() == ["2024/25 Q1"] and m["html"].tolist() == ["X01/tiny_X01_2024-25Q1.html"]


def test_a_faulty_report_fails_alone_with_its_cell_and_reruns_alone(store_path, tmp_path, capsys, monkeypatch):
    nb = str(NB / "fragile.ipynb")
    args = ["run", "--store", str(store_path), "--output", str(tmp_path), "--notebooks", nb,
            "--quarters", "2024/25 Q1", "--quiet"]
    assert main(args) == 0
    first = json.loads((tmp_path / "manifest.json").read_text())
    assert {r["status"] for r in first["runs"]} == {"ok"}
    stale = tmp_path / "X02" / "fragile_X02_2024-25Q1.html"
    assert stale.exists()
    monkeypatch.setenv("COHORT_TEST_BREAK", "X02")
    capsys.readouterr()
    assert main([a for a in args if a != "--quiet"] + ["--force"]) == 1  # not quiet: failures listed
    out = capsys.readouterr().out
    assert "failed in cell 3, line 2 (raise ValueError(f\"the data of {authority} break this report\"))" in out
    runs = {r["authority"]: r for r in json.loads((tmp_path / "manifest.json").read_text())["runs"]}
    assert runs["X01"]["status"] == "ok" and runs["X02"]["status"] == "failed"
    err = runs["X02"]["error"]
    assert (err["cell"], err["line"], err["ename"]) == (3, 2, "ValueError")
    assert not stale.exists()  # no stale report beside an entry that says failed
    index = (tmp_path / "index.html").read_text()
    assert "failed in cell 3, line 2" in index and "the data of X02 break this report" in index
    # paths are relative: the folder can be moved
    assert runs["X01"]["html"] == "X01/fragile_X01_2024-25Q1.html"
    monkeypatch.delenv("COHORT_TEST_BREAK")
    m = batch.run([nb], ["X01", "X02"], ["2024/25 Q1"], store=store_path, output=tmp_path, progress=False)
    assert dict(zip(m["authority"], m["status"], strict=True)) == {"X01": "skipped", "X02": "ok"}


def test_a_hung_report_is_stopped_and_recorded(store_path, tmp_path, monkeypatch):
    monkeypatch.setenv("COHORT_TEST_SLEEP", "60")
    t0 = time.perf_counter()
    m = batch.run([str(NB / "fragile.ipynb")], ["X01"], ["2024/25 Q1"], store=store_path, output=tmp_path,
                  progress=False, timeout=5)
    assert time.perf_counter() - t0 < 40
    assert m["status"].tolist() == ["failed"] and m["error"].iloc[0]["ename"] == "Timeout"


def test_a_killed_batch_keeps_every_finished_report(store_path, tmp_path):
    """SIGKILL after the 3rd finished report (watching the journal, not the clock): no partial
    HTML, a manifest of the finished reports, and the next run does only the rest."""
    out = tmp_path / "reports"
    env = {**os.environ, "COHORT_TEST_SLEEP": "1.5"}
    cmd = [sys.executable, "-m", "cohort.cli", "run", "--store", str(store_path), "--output", str(out),
           "--notebooks", str(NB / "fragile.ipynb"), "--quarters", *QUARTERS, "--jobs", "2", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    journal = out / "manifest.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if journal.exists() and len(journal.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = [json.loads(x) for x in journal.read_text().splitlines() if x.strip()]
    assert 3 <= len(finished) < 8
    html = sorted(out.rglob("*.html"))
    assert {str(p.relative_to(out)) for p in html} == {r["html"] for r in finished}
    for p in html:
        assert p.read_text().rstrip().endswith("</html>")  # complete, never half written
    rc = main(["run", "--store", str(store_path), "--output", str(out), "--notebooks",
               str(NB / "fragile.ipynb"), "--quarters", *QUARTERS, "--quiet"])
    assert rc == 0
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    assert len(runs) == 8 and {r["status"] for r in runs} == {"ok"}
    # the reports finished before the kill were not run again: same run ids
    kept = {r["html"]: r["run_id"] for r in runs}
    assert all(kept[r["html"]] == r["run_id"] for r in finished)
    assert not journal.exists()  # compacted into manifest.json
    assert not list(out.rglob("*.tmp"))


def test_a_batch_on_a_dask_cluster(store_path, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        m = batch.run([str(NB / "tiny.ipynb")], ["X01", "X02"], ["2024/25 Q1"], store=store_path,
                      output=tmp_path, progress=False, scheduler=client)
    assert set(m["status"]) == {"ok"}
    assert "report for X02 2024/25 Q1" in (tmp_path / "X02" / "tiny_X02_2024-25Q1.html").read_text()


def test_the_wheel_ships_the_notebooks_and_runs_the_demo(tmp_path):
    """Build the wheel, install it without dependencies into a fresh virtual environment that
    sees this environment's packages, and run ``cohort demo`` for one authority from outside
    the repository (nothing is downloaded)."""
    import site
    import sysconfig
    import venv

    root = Path(__file__).resolve().parents[1]
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(root)], check=True, capture_output=True, cwd=tmp_path)
    wheel = next(dist.glob("cohort-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "cohort/notebooks/quarterly_profile.ipynb" in names
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # see the test environment's packages (a venv's --system-site-packages would see the base Python's)
    ours = [p for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()} if Path(p).is_dir()]
    (Path(purelib) / "test_environment.pth").write_text("\n".join(ours) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("COHORT_STORE", "COHORT_NOTEBOOKS", "PYTHONPATH")}
    # nbconvert's templates are data files of the packages seen, under this environment's prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    done = subprocess.run([str(env_dir / "bin" / "cohort"), "demo", "--authorities", "1", "--scale", "0.3",
                           "--notebooks", "quarterly_profile", "--editions", "management", "--quiet"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    where = subprocess.run([str(py), "-c", "import cohort; print(cohort.__file__)"], cwd=work, env=env,
                           check=True, capture_output=True, text=True).stdout
    assert str(env_dir) in where  # the installed wheel, not the repository
    assert (work / "reports" / "index.html").exists()
    assert list((work / "reports" / "X01").glob("quarterly_profile_X01_*_management.html"))
