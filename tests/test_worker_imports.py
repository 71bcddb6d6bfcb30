"""What every gunicorn worker loads: the libraries that only the composer (unfurling) and
webmentions use, some 45 MB between them, wait until they are first needed, so a worker
serving readers stays small (issue 12: at most 120 MB)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Loaded by the first unfurl or webmention, in the worker process that runs it.
ON_DEMAND = ("extruct", "micawber", "mf2py", "mf2util", "bs4", "rdflib")

WORKER = """
import json, sys
from config.wsgi import import_views
import_views()  # every view module, as gunicorn.conf.py loads them in each worker
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {names})))
"""


def test_a_worker_loads_unfurling_and_webmention_parsers_only_when_used():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    script = WORKER.replace("{names}", repr(set(ON_DEMAND)))
    command = [sys.executable, "-c", script]
    out = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out.splitlines()[-1]) == []
