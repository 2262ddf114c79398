"""Running the tasks on Dask: the client (an existing scheduler or a local cluster) and the
submission of the tasks.

One task in flight per worker: scenarios last minutes, so a task must not wait behind a busy
worker while another is free. Dask's scheduler cannot know this. Its queuing on the scheduler
(``distributed.scheduler.worker-saturation``) applies only to root-ish task groups, larger
than twice the number of threads, and tasks restricted to worker resources are still sent to
a worker eagerly and wait there. So the tasks are handed over with
:class:`distributed.as_completed`: as many submitted as there are workers, and the next one
added when one finishes, so it goes to the worker that has just become free (workers that
join an adaptive cluster are counted as they come).

Failure isolation comes from Dask too: a task whose worker dies is rescheduled on another
worker by the scheduler (up to ``distributed.scheduler.allowed-failures`` times, 3 on the
local cluster), the retry skipping what the first attempt wrote; a task that still fails
(``KilledWorker``, ...) is recorded as failed for its unsolved scenarios and the run goes on.
Each finished scenario is announced by its worker on a Dask event topic, so progress lines
come as scenarios finish, not only as tasks do.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

from .records import EVENT_TOPIC, Progress, Reporter, lost_task_records
from .spec import Member
from .tasks import TaskSettings, plan_tasks, solve_task

#: Dask settings of a local cluster (read by its scheduler when it starts).
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": 3}


@contextlib.contextmanager
def dask_client(
    scheduler: str | None, workers: int | None, memory_limit: str | float | None, say: Progress
) -> Iterator[Any]:
    """A Dask client: on an existing scheduler, or on a local cluster started (and closed)
    here with one single-threaded worker process per core and a memory limit per worker.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``), or ``None`` for a local cluster.
    workers
        Workers of the local cluster (default: the number of cores).
    memory_limit
        Memory limit per local worker (``"6GB"``, bytes, or ``"auto"``).
    say
        Receives one line describing the local cluster.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit if memory_limit is not None else "auto",
            dashboard_address=":0",  # any free port: several clusters may share a machine
            silence_logs=40,
        )
    with cluster, Client(cluster) as client:
        client.wait_for_workers(n, timeout=120)
        client.register_plugin(_die_with_parent_plugin())
        info = client.scheduler_info()["workers"].values()
        limit = max((w.get("memory_limit") or 0 for w in info), default=0)
        say(
            f"local Dask cluster: {n} worker(s), 1 thread each, memory limit "
            f"{limit / 1e9:.1f} GB per worker ({cluster.scheduler_address}, "
            f"dashboard {cluster.dashboard_link})"
        )
        yield client


def _die_with_parent_plugin():
    """Dask worker plugin: a local worker ends when the process that started the cluster ends
    (``kill -9`` of ``aseangrid ensemble`` leaves no solver running)."""
    from distributed import WorkerPlugin

    class DieWithParent(WorkerPlugin):
        name = "aseangrid-die-with-parent"
        idempotent = True

        def setup(self, worker) -> None:
            from ..procs import die_with_parent

            die_with_parent()

    return DieWithParent()


@contextlib.contextmanager
def announcements(client: Any, reporter: Reporter) -> Iterator[None]:
    """Pass the workers' announcements of finished scenarios to ``reporter`` meanwhile."""
    with contextlib.suppress(Exception):  # without events, lines come with the task results
        client.subscribe_topic(EVENT_TOPIC, reporter.on_event)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(EVENT_TOPIC)


def n_workers(client: Any) -> int:
    """Workers connected to the scheduler now (at least 1)."""
    return max(1, len(client.nthreads()))


def submit_one_per_worker(
    client: Any, tasks: list[list[Member]], settings: TaskSettings, reporter: Reporter
) -> None:
    """Solve the tasks, one in flight per worker; report every record as its task ends.

    A task that fails outside the model (its worker killed too often, ...) is recorded as
    failed for the scenarios it had not written. On an error here (e.g. ``KeyboardInterrupt``)
    the tasks still in flight are cancelled.
    """
    from distributed import as_completed

    run = uuid.uuid4().hex[:6]  # keys of this run, apart from those of an earlier run
    waiting = iter(tasks)
    in_flight: dict[str, tuple[Any, list[Member]]] = {}
    done = as_completed(loop=client.loop)

    def top_up() -> None:
        """Submit waiting tasks until every connected worker has one."""
        for _ in range(n_workers(client) - done.count()):
            task = next(waiting, None)
            if task is None:
                return
            key = f"ensemble-{task[0].name}-{run}"
            future = client.submit(solve_task, *settings.args(task), key=key, pure=False)
            in_flight[future.key] = (future, task)
            done.add(future)

    try:
        top_up()
        for future in done:
            _, task = in_flight.pop(future.key)
            top_up()
            try:
                records = future.result()
            except Exception as exc:  # e.g. KilledWorker: recorded, the others go on
                records = lost_task_records(settings.folder, task, exc)
            for rec in records:
                reporter(rec)
    except BaseException:
        client.cancel([f for f, _ in in_flight.values()])
        raise


def run_on_dask(
    pending: list[Member],
    settings: TaskSettings,
    reporter: Reporter,
    scheduler: str | None,
    workers: int | None,
    memory_limit: str | float | None,
) -> dict[str, Any]:
    """Solve the pending scenarios on Dask; the records go to ``reporter``.

    Returns
    -------
    dict
        What ran where: mode, scheduler address, workers and tasks.
    """
    with dask_client(scheduler, workers, memory_limit, reporter.say) as client:
        n = n_workers(client)
        tasks = plan_tasks(pending, n, settings.warm_start)
        if settings.warm_start and len(tasks) < len(pending):
            reporter.say(f"{len(tasks)} task(s) on {n} worker(s); cap sweeps share a session")
        with announcements(client, reporter):
            submit_one_per_worker(client, tasks, settings, reporter)
        return {
            "mode": "dask",
            "scheduler": client.scheduler.address,
            "workers": n,
            "tasks": len(tasks),
        }
