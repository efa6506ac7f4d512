"""Fail when the virtual environment differs from requirements/lock.txt (issue 18).

scripts/setup installs exactly the lock's versions; this check proves it in CI, and finds a
dependency named in pyproject.toml that the lock does not pin (the lock is then stale: run
scripts/lock).
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, _, version = requirement.strip().partition("==")
        pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def main() -> int:
    pins = locked()
    problems = []
    for name, version in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: locked {version}, not installed")
            continue
        if installed != version:
            problems.append(f"{name}: locked {version}, installed {installed}")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{name}: in pyproject.toml but not in the lock (run scripts/lock)")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(
                f"{name}: lock has {pins[name]}, pyproject asks {requirement.specifier}"
            )
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"the environment matches requirements/lock.txt ({len(pins)} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
