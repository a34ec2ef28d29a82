"""Shared fixtures: the repository, the command-line binary built from the same crate, and
helpers to run it."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `infercast` binary: $INFERCAST_BIN, else target/release/infercast (built if
    missing)."""
    path = Path(os.environ.get("INFERCAST_BIN", ROOT / "target" / "release" / "infercast"))
    if not path.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return path


@pytest.fixture(scope="session")
def infercast_cli(cli):
    """Runs the binary with arguments; returns its standard output (it must succeed)."""

    def call(*args: str) -> str:
        out = subprocess.run(
            [str(cli), *map(str, args)], cwd=ROOT, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    return call


def files(dir: Path) -> dict:
    """Every file in `dir` by name, as bytes."""
    return {p.name: p.read_bytes() for p in sorted(dir.iterdir()) if p.is_file()}
