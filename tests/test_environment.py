"""The conda environment and the uv project must pin the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    specs = list(data["project"]["dependencies"])
    for group in data.get("dependency-groups", {}).values():
        specs += group
    pins = {}
    for spec in specs:
        name, _, version = spec.partition("==")
        assert version, f"{spec} is not pinned with =="
        pins[_norm(name)] = version
    return pins


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, _, version = dep.partition("=")
            if _norm(name) not in ("python", "pip"):
                pins[_norm(name)] = version
        else:  # the pip block: packages not on conda-forge, pinned with ==
            for spec in dep.get("pip", []):
                name, _, version = spec.partition("==")
                if version:
                    pins[_norm(name)] = version
    return pins


def test_environment_yml_matches_pyproject() -> None:
    assert _conda_pins() == _pyproject_pins()


def test_lock_file_is_present_and_current() -> None:
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    for name, version in _pyproject_pins().items():
        assert re.search(rf'name = "{name}"\nversion = "{re.escape(version)}"', lock), name
