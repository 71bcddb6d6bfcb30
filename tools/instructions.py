"""Instructions per request: what each page costs the CPU, counted by valgrind's callgrind.

req/s and milliseconds move with whatever else the machine is doing. On a shared virtual
machine, with a third of the CPU stolen by its neighbours at times, two runs of `make
loadtest` an hour apart differed by 2x. The number of instructions a request executes
hardly moves (0.1% between two runs): this is what to compare before and after a change
to the code a request runs.

In one process, under `valgrind --tool=callgrind`, for each page and mode: a few requests
to warm it, then REQUESTS[mode] more, counted on their own (callgrind counts only inside
the C function itertools.starmap calls for each item, and dumps the count on leaving it).
The plain view of the same size (config/loadtest.py) is counted beside the cached page.
Their ratio leaves out gunicorn's own work, the same for both: under wrk the cached
page's req/s come out nearer the plain view's than this.

Run by `make loadtest` at the end, on its database (tools/loadtest.py), when valgrind is
installed (apt-get install valgrind); about two minutes. Alone: `python
tools/loadtest.py instructions`, once `make loadtest` has seeded that database.
"""

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

ROOT = Path(__file__).resolve().parent.parent
# The modes counted (tools/loadtest.py's MODES), and the requests counted per page in
# each: a rendered 2,500-comment page runs about 55 M instructions.
REQUESTS = {"rendered": 10, "cached": 100}
TOGGLE = "starmap_next"


def binary():
    return shutil.which("valgrind")


def measure(env, folder):
    """{(page, mode): million instructions per request}, plain views included, counted
    in a child process (tools/loadtest.py instructions-child, which calls child()) under
    callgrind."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "callgrind.out"
    child = subprocess.run(  # noqa: S603
        [binary(), "--tool=callgrind", f"--toggle-collect={TOGGLE}", f"--dump-after={TOGGLE}",
         f"--callgrind-out-file={out}", sys.executable, ROOT / "tools" / "loadtest.py",
         "instructions-child"],
        env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    order = json.loads(child.stdout.splitlines()[-1])
    # One dump per counted call, in order, then an empty one as starmap ends.
    totals = [_total(path) for path in sorted(folder.glob("callgrind.out.*"), key=_number)]
    counted = [total for total in totals if total > 1_000_000]
    if len(counted) != len(order):
        sys.exit(f"callgrind: {len(order)} runs counted, {len(counted)} dumps found")
    return {
        (page, mode): total / requests / 1e6
        for (page, mode, requests), total in zip(order, counted, strict=True)
    }


def _number(path):
    return int(path.name.rsplit(".", 1)[1])


def _total(path):
    match = re.search(r"^totals: (\d+)", path.read_text(errors="replace"), re.M)
    return int(match.group(1)) if match else 0


def report(counts, say):
    say("\ninstructions per request (callgrind; steal and other work hardly move them):")
    say(f"{'page':<12} {'rendered M':>10} {'cached M':>9} {'plain M':>8} {'plain/cached':>12}")
    for page in dict.fromkeys(page for page, _ in counts if not page.startswith("plain")):
        rendered = counts.get((page, "rendered"), 0.0)
        cached = counts.get((page, "cached"), 0.0)
        plain = counts.get((f"plain {page}", "cached"), 0.0)
        ratio = f"{plain / cached:.0%}" if cached and plain else ""
        say(f"{page:<12} {rendered:>10.2f} {cached:>9.2f} {plain:>8.2f} {ratio:>12}")
    say("plain/cached: in Django alone; gunicorn's share, the same for both, brings req/s nearer")


# The child, under callgrind -------------------------------------------------------------


def child(modes, timed_pages):
    """Count each page of timed_pages() in each of modes ({mode: (PAGE_CACHE_SECONDS,
    FRAGMENT_CACHE_SECONDS)}), and the plain view beside each cached page; prints the
    order of the counts for measure(). Requests go to the WSGI application gunicorn runs
    (config/wsgi.py), as wrk's do: GET, no cookie."""
    import gc

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test.utils import override_settings

    from config.wsgi import application, import_views

    pages = timed_pages()
    # As a gunicorn worker starts (gunicorn.conf.py, post_worker_init).
    import_views()
    gc.collect()
    gc.freeze()
    order = []

    def count(name, path, mode):
        for _ in range(3):  # warm: templates, drawings, the cache, connections
            status, size = get(application, path)
        assert status.startswith("200 "), (path, status)
        requests = REQUESTS[mode]
        gc.collect()  # each count starts with the collector in the same state
        list(itertools.starmap(_requests, [(application, path, requests)]))
        order.append((name, mode, requests))
        return size

    for mode, (page_seconds, fragment_seconds) in modes.items():
        with override_settings(
            PAGE_CACHE_SECONDS=page_seconds, FRAGMENT_CACHE_SECONDS=fragment_seconds
        ):
            for name, path in pages.items():
                size = count(name, path, mode)
                if mode == "cached":
                    count(f"plain {name}", f"/_loadtest/plain/{size}/", mode)
    print(json.dumps(order))


def get(application, path):
    """(status, body bytes) of one GET to the WSGI application (config.wsgi's)."""
    environ = {"PATH_INFO": path, "HTTP_ACCEPT": "*/*"}
    setup_testing_defaults(environ)
    started = []
    chunks = application(environ, lambda status, headers, exc_info=None: started.append(status))
    size = sum(len(chunk) for chunk in chunks)
    getattr(chunks, "close", lambda: None)()
    return started[0], size


def _requests(application, path, requests):
    for _ in range(requests):
        get(application, path)
