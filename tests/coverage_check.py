"""Branch coverage of the layers that hold the rules, checked after the test run.

``make test`` measures branch coverage of the apps (``[tool.coverage]`` in
pyproject.toml); this prints the figure for each layer — services, selectors,
permissions — summed over every app, and fails when one is under its floor.
coverage.py's own ``fail_under`` only knows the grand total, hence this check.

Run: ``python -m tests.coverage_check`` after ``pytest --cov``.
"""

import fnmatch
import json
import sys
import tempfile
from pathlib import Path

import coverage

FLOOR = 90.0
LAYERS = {
    "services": ["*/services.py", "*/services/*.py"],
    "selectors": ["*/selectors.py", "*/selectors/*.py"],
    "permissions": ["*/permissions.py"],
}


def layer_totals(files: dict[str, dict]) -> dict[str, tuple[int, int, list[str]]]:
    totals: dict[str, tuple[int, int, list[str]]] = {}
    for layer, patterns in LAYERS.items():
        covered = possible = 0
        names = []
        for name, data in files.items():
            if any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
                summary = data["summary"]
                covered += summary["covered_lines"] + summary.get("covered_branches", 0)
                possible += summary["num_statements"] + summary.get("num_branches", 0)
                names.append(name)
        totals[layer] = (covered, possible, names)
    return totals


def main() -> int:
    cov = coverage.Coverage()
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out))
        files = json.loads(out.read_text())["files"]
    failed = False
    print(f"Branch coverage by layer (floor {FLOOR:.0f} %):")
    for layer, (covered, possible, names) in layer_totals(files).items():
        if not names:
            print(f"  {layer:<12} no files measured")
            failed = True
            continue
        percent = 100.0 * covered / possible if possible else 100.0
        verdict = "ok" if percent >= FLOOR else "UNDER THE FLOOR"
        failed |= percent < FLOOR
        print(f"  {layer:<12} {percent:5.1f} %  ({len(names)} files)  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
