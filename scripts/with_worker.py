"""Run a web server and one task worker (`manage.py db_worker`) side by side.

    python scripts/with_worker.py COMMAND [ARGS...]

Ctrl-C, or SIGTERM, stops both (each gets the signal; a second Ctrl-C kills them); when
either stops on its own, the other is stopped too and its exit code is returned. `make run`
and `make serve` use it; production runs the worker as a unit of its own (docs/deploy.md).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
GRACE_SECONDS = 30  # a worker finishes the mail it is sending before it exits


def start(command):
    # A process group of its own: the signal reaches runserver's and the worker's
    # autoreloader children as well, and only through us.
    return subprocess.Popen(command, start_new_session=True)


def signal_all(processes, signum):
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)


def main(command):
    processes = []
    received = []

    def forward(signum, frame):
        received.append(signum)
        signal_all(processes, signum if len(received) == 1 else signal.SIGKILL)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        processes.append(start(command))
        processes.append(start([sys.executable, str(MANAGE), "db_worker"]))
        while all(process.poll() is None for process in processes) and not received:
            time.sleep(0.2)
        if not received:  # one of them stopped by itself
            signal_all(processes, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(process.poll() is None for process in processes):
            if time.monotonic() > deadline:
                signal_all(processes, signal.SIGKILL)
            time.sleep(0.2)
    finally:
        signal_all(processes, signal.SIGKILL)  # only if this script itself failed
    codes = [process.returncode for process in processes]
    return 0 if received else next((code for code in codes if code), 0)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
