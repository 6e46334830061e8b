"""Starts a test's subprocesses (and theirs: gunicorn and its workers) at the test's clock.

Python imports `sitecustomize` from its path when it starts: a test that runs Python in a
subprocess puts this folder on PYTHONPATH and the instant in SUPERMARKET_TEST_CLOCK (a Unix
time), as `tests.conftest.subprocess_env()` does, so that the subprocess does not read the real
date either. The clock ticks on from there, as in the tests.
"""

import os

_instant = os.environ.get("SUPERMARKET_TEST_CLOCK")
if _instant:
    import time_machine

    time_machine.travel(float(_instant), tick=True).start()
