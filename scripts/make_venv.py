"""Create the virtual environment, also on a Debian without the python3-venv package.

Debian splits ensurepip out of Python; without it `python3 -m venv` fails. Then
the environment is made without pip, and pip is installed from its wheel on PyPI.
"""

import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path


def main(target):
    target = Path(target)
    python = target / "bin" / "python"
    if (
        python.exists()
        and subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0
    ):
        return
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
        return
    except (subprocess.CalledProcessError, OSError, SystemExit) as exc:
        print(f"venv with pip failed ({exc}); installing pip from PyPI instead", file=sys.stderr)
    venv.EnvBuilder(with_pip=False, clear=True).create(target)
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:  # noqa: S310
        release = json.load(response)
        base = response.geturl()
    wheel = next(f for f in release["urls"] if f["filename"].endswith(".whl"))
    # A mirror may answer with addresses relative to itself.
    wheel_url = urllib.parse.urljoin(base, wheel["url"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        urllib.request.urlretrieve(wheel_url, path)  # noqa: S310
        subprocess.run([python, f"{path}/pip", "install", "--quiet", str(path)], check=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".venv")
