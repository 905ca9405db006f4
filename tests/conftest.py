"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
import stat

import pytest


@pytest.fixture
def owner_access(monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.access`` as the owning non-root user sees it, so permission checks run as root.

    Root may write anywhere; the early checks would then never refuse anything. Under
    root this answers from the owner's permission bits instead.
    """
    if os.geteuid() != 0:
        return

    def access(path: str, mode: int) -> bool:
        try:
            bits = os.stat(path).st_mode
        except OSError:
            return False
        wanted = [(os.R_OK, stat.S_IRUSR), (os.W_OK, stat.S_IWUSR), (os.X_OK, stat.S_IXUSR)]
        return all(bits & bit for flag, bit in wanted if mode & flag)

    monkeypatch.setattr(os, "access", access)


# Needs Keras, which convcli does not depend on; it only regenerates fixtures.
collect_ignore = ["fixtures/make_keras_fixtures.py"]
