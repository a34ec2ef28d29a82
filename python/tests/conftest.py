"""Shared fixtures: the repository, the command-line binary built from the same crate, and
helpers to run it."""

import re
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


PROVENANCE = re.compile(
    rb"<!-- provenance: differs from run to run -->\n.*?<!-- /provenance -->\n", re.S
)


def stable(p: Path) -> bytes:
    """A file's bytes that must not change from run to run: a page without its provenance
    block, and provenance.json (all provenance: when, how long, which command) as a stand-in."""
    if p.name == "provenance.json":
        return b"provenance"
    data = p.read_bytes()
    return PROVENANCE.sub(b"", data) if p.suffix == ".html" else data


def files(dir: Path) -> dict:
    """Every file in `dir` by name, as its stable bytes (see `stable`)."""
    return {p.name: stable(p) for p in sorted(dir.iterdir()) if p.is_file()}
