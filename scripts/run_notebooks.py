"""Execute every notebook in notebooks/ and save it with its outputs (run by hand).

The notebooks are tutorials: published (on GitHub, in the docs) they are read, not run, so they
are committed with their outputs. Run this after changing a notebook or an output it shows:

    .venv/bin/python scripts/run_notebooks.py

Outputs are made reproducible: execution counts run 1, 2, 3... and cell metadata holding
timings is dropped. tests/test_notebooks.py checks that every code cell has been run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    size = path.stat().st_size
    print(f"{path.name}: {sum(c.cell_type == 'code' for c in nb.cells)} code cells, "
          f"{size / 1e6:.2f} MB")


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        run(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
