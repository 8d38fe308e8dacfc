"""A small tmpfs for disk faults (full, read-only): mounting needs root, so without it the
test is skipped and says why."""

import subprocess
from contextlib import contextmanager

import pytest


@contextmanager
def small_tmpfs(folder, options="size=1m", why="a small tmpfs"):
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount {why} (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
