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
