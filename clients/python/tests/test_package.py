"""The installed package: importable as `runpages`, typed, versioned like the npm package."""

import json
import re
from pathlib import Path

import runpages

try:
    from importlib.metadata import version as dist_version
except ImportError:  # pragma: no cover  (Python < 3.8 is not supported anyway)
    dist_version = None  # type: ignore[assignment]

CLIENT = Path(__file__).resolve().parents[1]
ROOT = CLIENT.parents[1]


def test_the_module_the_distribution_and_package_json_say_the_same_version():
    npm = json.loads((ROOT / "package.json").read_text())["version"]
    pyproject = re.search(r'^version = "([^"]+)"', (CLIENT / "pyproject.toml").read_text(), re.M).group(1)
    assert runpages.__version__ == npm == pyproject == dist_version("runpages")


def test_it_is_installed_from_site_packages_with_its_type_marker():
    package = Path(runpages.__file__).parent
    # Installed, not imported from the source tree by accident (the venv has no PYTHONPATH).
    assert "site-packages" in package.parts
    assert (package / "py.typed").is_file()


def test_the_public_api_is_what_the_readme_documents():
    for name in ("start", "Run", "RunpagesWarning", "runs", "RunRecord"):
        assert name in runpages.__all__ and hasattr(runpages, name)
    run = runpages.Run.__init__.__code__.co_varnames
    assert {"project", "name", "params", "tags", "dir", "parents"} <= set(run)


def test_pip_installs_it_from_a_git_url_with_a_subdirectory(tmp_path):
    """`pip install git+file:///clone#subdirectory=clients/python`, against a clone of this checkout's HEAD."""
    import subprocess
    import sys

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--retries", "0", "--no-deps", "--target", str(target),
         f"git+file://{clone}#subdirectory=clients/python"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (target / "runpages" / "py.typed").is_file()
    assert {"lightning.py", "transformers.py", "keras.py", "xgboost.py", "sklearn.py", "optuna.py"} <= {p.name for p in (target / "runpages").iterdir()}
    metadata = next(target.glob("runpages-*.dist-info"))
    assert metadata.name == f"runpages-{runpages.__version__}.dist-info"
    imported = subprocess.run(
        [sys.executable, "-c", "import runpages, sys; print(runpages.__file__, runpages.__version__)"],
        capture_output=True, text=True, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, cwd=str(tmp_path),
    )
    assert imported.stdout.split() == [str(target / "runpages" / "__init__.py"), runpages.__version__], imported.stderr
