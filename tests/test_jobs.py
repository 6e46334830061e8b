"""Nightly jobs run once however many machines run the schedule: the job's lock (an advisory
lock on PostgreSQL, a file lock beside SQLite's file) makes every other run do nothing."""

from __future__ import annotations

import pytest

from supermarket import jobs
from supermarket.extensions import db


def test_a_held_job_lock_is_refused_to_another_run_and_freed_after(app):
    with jobs.job_lock("reporting-rollup") as first:
        assert first is True
        with jobs.job_lock("reporting-rollup") as second:
            assert second is False
        with jobs.job_lock("members-upkeep") as other_job:
            assert other_job is True  # each job has its own lock
    with jobs.job_lock("reporting-rollup") as again:
        assert again is True


def test_a_job_that_fails_frees_its_lock(app):
    def failing_job() -> None:
        with jobs.job_lock("reporting-rollup") as held:
            assert held
            raise RuntimeError("the job failed")

    with pytest.raises(RuntimeError):
        failing_job()
    with jobs.job_lock("reporting-rollup") as again:
        assert again is True


def test_a_second_machine_finds_the_rollup_running_and_does_nothing(app, monkeypatch):
    ran: list[bool] = []
    monkeypatch.setattr(
        "supermarket.reporting.rollups.refresh_rollups",
        lambda **_: ran.append(True) or pytest.fail("the rollup ran beside another run"),
    )
    runner = app.test_cli_runner()
    with jobs.job_lock("reporting-rollup"):  # the first machine, mid-run
        result = runner.invoke(args=["reporting", "rollup"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "The reporting-rollup job is already running elsewhere: nothing done here."
    )
    assert ran == []


@pytest.mark.parametrize("command", [["members", "lapse"], ["retention", "run", "--dry-run"]])
def test_the_members_upkeep_runs_once_too(app, command):
    runner = app.test_cli_runner()
    with jobs.job_lock("members-upkeep"):
        held = runner.invoke(args=command)
    assert "already running elsewhere" in held.output
    free = runner.invoke(args=command)
    assert free.exit_code == 0, free.output
    assert "already running" not in free.output


def test_the_lock_is_the_databases_own(app):
    name = db.engine.dialect.name
    if name == "postgresql":  # the advisory lock is visible in pg_locks while held
        with jobs.job_lock("reporting-rollup"):
            with db.engine.connect() as connection:
                count = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                ).scalar()
            assert count >= 1
    else:
        assert name == "sqlite"
        assert jobs.lock_id("reporting-rollup") == jobs.lock_id("reporting-rollup")
        assert jobs.lock_id("reporting-rollup") != jobs.lock_id("members-upkeep")
