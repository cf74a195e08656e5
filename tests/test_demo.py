"""The README's first command (`./dev demo` runs scripts/demo.py) works end to end, offline."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_demo_signs_in_and_gets_credentials_offline() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")], capture_output=True, timeout=180, check=False
    )
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert '"Arn": "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice"' in out
    assert "demo: signed in as alice and assumed arn:aws:sts::111111111111:assumed-role/ReadOnly/alice" in out
    # the secret parts of the credentials are never printed whole
    assert '"SessionToken": "' in out and '..."' in out
