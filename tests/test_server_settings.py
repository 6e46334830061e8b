"""The production server's settings (gunicorn.conf.py)."""

import gc
import runpy
from pathlib import Path

from gunicorn.config import Config

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_the_app_is_loaded_once_and_frozen_before_each_worker_is_forked():
    settings = runpy.run_path(str(CONF))
    assert settings["preload_app"] is True
    # gunicorn takes the hook as its own (it checks the callable's arity).
    config = Config()
    config.set("pre_fork", settings["pre_fork"])
    before = gc.get_freeze_count()
    try:
        config.pre_fork(None, None)
        assert gc.get_freeze_count() > before
        # What was loaded is out of the collector's reach: its generations hold only what was
        # made since.
        assert len(gc.get_objects()) < gc.get_freeze_count()
    finally:
        gc.unfreeze()
