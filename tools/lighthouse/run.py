"""`make lighthouse`: Lighthouse's four scores for each kind of reader page, as served.

1. Makes a throwaway SQLite database and static folder, migrates, loads the demo digest
   and seeds 100 digests, the newest with 250 comments in threads (tools' loadtest seed).
2. Serves them with gunicorn in production mode (collected, compressed static files,
   the Content-Security-Policy) on a free loopback port.
3. Runs Lighthouse (tools/lighthouse/package.json, installed with npm on first use) in
   Debian's chromium, mobile emulation as Lighthouse's default, against the home page,
   the demo digest, the 250-comment digest, a year archive and a search, and prints the
   performance, accessibility, best-practices and SEO scores with PASS or MISS against 95.
4. Checks each page's HTML with the Nu HTML checker (vnu.jar, from the same package.json;
   needs Java) and prints its errors and warnings.

Everything stays on this machine; Lighthouse's own network throttling is simulated.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from loadtest import Gunicorn  # noqa: E402 (the same gunicorn runner as make loadtest)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 95
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def manage(env, *args, capture=False):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        capture_output=capture, text=True,
    )  # fmt: skip
    if result.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stdout or ''}{result.stderr or ''}")
    return result


def lighthouse_bin():
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)  # noqa: S607
    return binary


def scores(binary, url, work):
    report = work / "report.json"
    command = [
        str(binary), url, f"--chrome-path={CHROMIUM}", f"--chrome-flags={CHROME_FLAGS}",
        "--output=json", f"--output-path={report}", "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
    ]  # fmt: skip
    # On a busy machine Lighthouse now and then loses its trace (NO_NAVSTART): try again.
    for attempt in range(3):
        if subprocess.run(command).returncode == 0:  # noqa: S603
            break
        print(f"Lighthouse failed on {url} (try {attempt + 1} of 3)", file=sys.stderr)
    else:
        sys.exit(f"Lighthouse could not measure {url}")
    data = json.loads(report.read_text())
    failing = {
        name: [
            _explain(data["audits"][ref["id"]])
            for ref in data["categories"][name]["auditRefs"]
            if ref["weight"] and (data["audits"][ref["id"]].get("score") or 0) < 1
        ]
        for name in CATEGORIES
    }
    return {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}, failing


def _explain(audit):
    """An audit below full marks, with its figure or the first things it found."""
    found = [
        str(item.get("description") or item.get("url") or item.get("node", {}).get("snippet"))
        for item in (audit.get("details") or {}).get("items", [])[:2]
    ]
    detail = audit.get("displayValue") or "; ".join(found)
    return f"{audit['id']} ({detail})" if detail else audit["id"]


def main():
    work = Path(tempfile.mkdtemp(prefix="digestblog-lighthouse-"))
    seed_env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        # The seed counts queries with Django's test client, which calls itself testserver.
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    }
    seed_env.pop("REDIS_URL", None)
    env = {
        **seed_env,
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_PRODUCTION": "1",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "WEB_CONCURRENCY": "2",
    }
    try:
        manage(seed_env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        seeded = manage(seed_env, "shell", "-c", SEED, capture=True).stdout
        pages = json.loads(seeded.strip().splitlines()[-1])
        binary = lighthouse_bin()
        rows = []
        with Gunicorn(env) as server:
            for name, path in pages.items():
                result, failing = scores(binary, server.url + path, work)
                rows.append((name, path, result, failing))
                with urllib.request.urlopen(server.url + path, timeout=30) as page:  # noqa: S310
                    (work / f"{name}.html").write_bytes(page.read())
        report(rows)
        nu_report(pages, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(rows):
    print(f"{'page':<16}" + "".join(f"{name:>16}" for name in CATEGORIES))
    for name, _path, result, _failing in rows:
        print(f"{name:<16}" + "".join(f"{result[c]:>16}" for c in CATEGORIES))
    print()
    for name, path, result, failing in rows:
        for category in CATEGORIES:
            verdict = "PASS" if result[category] >= TARGET else "MISS"
            audits = ", ".join(failing[category]) or "-"
            print(f"{verdict} {name} {category} {result[category]} ({path}); below 1: {audits}")


def nu_report(pages, work):
    """The Nu HTML checker's errors and warnings for each page, as served."""
    jar = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    files = [str(work / f"{name}.html") for name in pages]
    result = subprocess.run(  # noqa: S603
        ["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *files],  # noqa: S607
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    messages = json.loads(result.stderr or result.stdout)["messages"]
    print()
    for name in pages:
        found = [m for m in messages if m.get("url", "").endswith(f"/{name}.html")]
        errors = [m for m in found if m["type"] == "error"]
        warnings = [m for m in found if m["type"] != "error"]
        verdict = "PASS" if not errors else "MISS"
        print(f"{verdict} {name} Nu checker: {len(errors)} errors, {len(warnings)} warnings")
        for message in (errors + warnings)[:5]:
            print(f"    {message['type']}: {message['message'][:140]}")


# Run inside `manage.py shell` against the throwaway database: prints the pages as JSON.
SEED = """
import json, sys
sys.path.insert(0, "tools")
from django.core.management import call_command
call_command("load_demo", verbosity=0)
from blog.models import Digest
demo = Digest.objects.get(slug="connections-between-physics-and-deep-learning")
import loadtest
from io import StringIO
from contextlib import redirect_stdout
out = StringIO()
with redirect_stdout(out):
    loadtest.seed_and_count()
seeded = json.loads(out.getvalue().strip().splitlines()[-1])
print(json.dumps({
    "home": "/",
    "digest": demo.get_absolute_url(),
    "250-comments": seeded["pages"]["digest"],
    "archive": f"/{demo.published_at.year}/",
    "search": "/search/?q=physics",
}))
"""


if __name__ == "__main__":
    main()
