"""Install each interop peer (another OCPI implementation, from PyPI) in a virtualenv of its own.

Every ``tests/interop/peers/<name>/requirements.txt`` gets ``.peers/<name>/`` at the top of the
repository: ``python3 -m venv`` plus ``pip install -r``. Run it once before the tests (the
README's test command and ``.ci/run`` do); it is quick when the venvs are already there.

Usage: ``python tests/interop/install_peers.py [--force]``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEERS = Path(__file__).resolve().parent / "peers"
TARGET = ROOT / ".peers"


def peer_python(name: str) -> Path:
    """The Python interpreter of peer ``name``'s virtualenv."""
    return TARGET / name / "bin" / "python"


def install(name: str, requirements: Path, *, force: bool = False) -> None:
    """Create (or refresh) the virtualenv of one peer."""
    home = TARGET / name
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = home / ".requirements.sha256"
    if not force and stamp.exists() and stamp.read_text() == digest and peer_python(name).exists():
        print(f"peer {name}: up to date")
        return
    print(f"peer {name}: installing {requirements}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    subprocess.run(
        [str(peer_python(name)), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(requirements)],
        check=True,
    )
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    force = "--force" in argv
    for requirements in sorted(PEERS.glob("*/requirements.txt")):
        install(requirements.parent.name, requirements, force=force)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
