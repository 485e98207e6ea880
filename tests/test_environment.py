"""The conda environment file and pyproject.toml declare the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge ships some packages under another name
CONDA_NAMES = {
    "matplotlib": "matplotlib-base",
    "nbconvert": "nbconvert-core",
    "pandera": "pandera-base",
    "duckdb": "python-duckdb",
}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec.strip())
    assert m, spec
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(s) for s in project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(_split(s) for s in extra)
    wanted = {CONDA_NAMES.get(k, k): v for k, v in wanted.items()}
    wanted["python"] = project["requires-python"]

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    have = dict(_split(s) for s in env["dependencies"] if isinstance(s, str))
    assert have == wanted


def test_import_and_help_stay_light():
    """``import cohort`` and ``cohort --help`` load none of the scientific stack (the
    public names are imported on first use), and every public name resolves."""
    import subprocess
    import sys

    code = (
        "import sys, contextlib, io\n"
        "import cohort\n"
        "from cohort.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'numpy', 'scipy', 'matplotlib', 'pyarrow'})\n"
        "print(','.join(heavy))\n"
        "names = [*cohort.__all__, 'store', 'report', 'measures', 'privacy', 'loaders', 'dictionary']\n"
        "missing = [n for n in names if getattr(cohort, n, None) is None]\n"
        "print(','.join(missing))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy, missing = out.split("\n")[:2]
    assert heavy == "", f"import cohort / cohort --help loaded {heavy}"
    assert missing == "", f"public names that do not resolve: {missing}"
