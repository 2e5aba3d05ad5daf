"""Version matrix and packaging check (``make matrix`` runs both).

- ``tests``: the suite without browsers, on supported Python x Flask x Django cells:
  by default a covering set (every Python, Flask and Django line at least once, the
  oldest of each together and the newest of each together), which keeps CI within
  its budget; ``WSGICORS_FULL_MATRIX=1`` runs every cell (Django 6.0 needs Python
  3.12 or later, so those cells do not exist).
- ``package``: build the sdist and the wheel, ``twine check --strict`` them, install the
  wheel into this session's fresh venv and run the fast suite from a copy of tests/
  outside the source tree, after proving that ``wsgicors`` is imported from site-packages.

``nox -l`` lists the cells; ``nox -s "tests(3.12-flask3.1-django6.0)"`` runs one.
Interpreters are looked up on PATH and in pyenv ($PYENV_ROOT/versions); a missing one
fails its cells (nothing is downloaded).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
FLASKS = ["3.0", "3.1"]
DJANGOS = ["5.2", "6.0"]
DJANGO_MIN_PYTHON = {"6.0": (3, 12)}
#: The cells CI runs: each line of each dependency at least once, extremes together.
COVERING = {("3.10", "3.0", "5.2"), ("3.11", "3.1", "5.2"), ("3.12", "3.0", "6.0"),
            ("3.13", "3.1", "6.0")}
FULL_MATRIX = os.environ.get("WSGICORS_FULL_MATRIX") == "1"
PACKAGE_PYTHON = "3.13"
# The browser suite needs Chromium, Firefox and WebKit and runs once, in `make test`.
MATRIX_MARKERS = "not browser and not slow"

ROOT = Path(__file__).resolve().parent
# What the tests read besides tests/ itself (examples, fuzz target, the pages whose
# examples they run) and the pytest configuration.
TEST_DATA = ("tests", "examples", "fuzz", "docs", "README.md", "CONTRIBUTING.md",
             "pyproject.toml", "setup.cfg")
# These read the packages' .py files from the checkout, which the package check has not.
NEEDS_SOURCE_TREE = (
    "tests/django/test_checks.py::test_every_engine_problem_code_has_a_fixed_id",
    "tests/core/test_docs.py::test_validation_page_lists_every_problem_code",
)

nox.options.sessions = ["tests", "package"]
nox.options.error_on_missing_interpreters = True
nox.options.download_python = "never"
nox.options.default_venv_backend = "virtualenv"


def _pyenv_interpreter(version: str) -> Path | None:
    """The newest ``pythonX.Y`` that pyenv has installed, if any."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(root.glob(f"versions/{version}.*/bin/python{version}"),
                   key=lambda path: [int(part) for part in path.parts[-3].split(".")
                                     if part.isdigit()])
    return found[-1] if found else None


def _expose_pyenv_interpreters() -> None:
    """Put pyenv's interpreters on PATH under their ``pythonX.Y`` names.

    pyenv's shims only answer for the versions selected with ``pyenv global/local``,
    so nox would not find the others; links to the real binaries, in a folder of
    their own, add them without shadowing ``python3`` or ``pip``.
    """
    links = ROOT / ".nox" / "interpreters"
    links.mkdir(parents=True, exist_ok=True)
    for version in PYTHONS:
        binary = _pyenv_interpreter(version)
        link = links / f"python{version}"
        if binary is not None:
            _symlink(link, binary)
        elif not _runs(f"python{version}"):
            print(f"noxfile: no python{version} on PATH or in pyenv; its cells will fail "
                  f"(install it: pyenv install {version})", file=sys.stderr)
    os.environ["PATH"] = os.pathsep.join([str(links), os.environ.get("PATH", "")])


def _runs(command: str) -> bool:
    """Whether *command* starts (a pyenv shim for an unselected version does not)."""
    try:
        return subprocess.run([command, "-c", ""], capture_output=True, check=False,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _symlink(link: Path, target: Path) -> None:
    """Point *link* at *target*, atomically: parallel workers each load this file."""
    if link.is_symlink() and link.readlink() == target:
        return
    staged = link.with_name(f"{link.name}.{os.getpid()}")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target)
    staged.replace(link)


def _cells() -> list[nox.param]:
    """Every (python, flask, django) that the supported versions allow."""
    return [nox.param(python, flask, django, id=f"{python}-flask{flask}-django{django}")
            for python in PYTHONS for flask in FLASKS for django in DJANGOS
            if tuple(map(int, python.split("."))) >= DJANGO_MIN_PYTHON.get(django, (0, 0))
            and (FULL_MATRIX or (python, flask, django) in COVERING)]


_expose_pyenv_interpreters()


@nox.session(allow_parallel=True)
@nox.parametrize(("python", "flask", "django"), _cells())
def tests(session: nox.Session, flask: str, django: str) -> None:
    """The suite without browsers against one Python, Flask and Django release line."""
    session.install("-e", ".[test]", f"Flask=={flask}.*", f"Django=={django}.*")
    session.run("python", "-c", _VERSIONS)
    session.run("pytest", "-m", MATRIX_MARKERS, "-p", "no:cacheprovider", *session.posargs,
                env={"WSGICORS_FIGURES": str(Path(session.create_tmp()) / "figures.json")})


@nox.session(python=PACKAGE_PYTHON, allow_parallel=True)
def package(session: nox.Session) -> None:
    """Build, check and test the artefacts a user would install."""
    tmp = Path(session.create_tmp())
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build", "twine")
    session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
    artefacts = sorted(str(path) for path in dist.iterdir())
    # The distribution is pywsgicors: the name wsgicors on the index is another project.
    names = sorted(Path(path).name.split("-", 1)[0] for path in artefacts)
    if names != ["pywsgicors", "pywsgicors"]:
        session.error(f"expected a pywsgicors sdist and wheel, built {artefacts}")
    session.run("twine", "check", "--strict", *artefacts)
    wheel = next(path for path in artefacts if path.endswith(".whl"))
    session.install(f"{wheel}[test]")

    # A copy of what the tests read, without wsgicors/: nothing to import but the wheel.
    work = tmp / "installed"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    for name in TEST_DATA:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, work / name)
    session.chdir(work)
    session.run("python", "-c", _PROVE_INSTALLED, env={"PYTHONPATH": None})
    deselect = [arg for test in NEEDS_SOURCE_TREE for arg in ("--deselect", test)]
    session.run("pytest", "-m", MATRIX_MARKERS, "-p", "no:cacheprovider", *deselect,
                *session.posargs,
                env={"WSGICORS_FIGURES": str(tmp / "figures.json"), "PYTHONPATH": None})


_VERSIONS = """
import sys
from importlib.metadata import version
print("Python", sys.version.split()[0], *(f"{name} {version(name)}" for name in
      ("Flask", "Werkzeug", "Django", "asgiref", "starlette", "fastapi", "flask-cors",
       "django-cors-headers")))
"""

_PROVE_INSTALLED = """
import sysconfig, pathlib, wsgicors, wsgicors_flask, wsgicors_django
site = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
for module in (wsgicors, wsgicors_flask, wsgicors_django):
    where = pathlib.Path(module.__file__).resolve()
    assert site in where.parents, f"{module.__name__} imported from {where}, not {site}"
    print(module.__name__, "from", where)
"""
