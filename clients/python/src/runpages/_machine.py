"""The git state and machine of a run, captured as `runpages record` captures them.

src/git/state.ts and src/record/environment.ts are the reference: the same fields with the same
spellings (`arch: x64`, not `x86_64`; `os: linux 6.1.0`; `cpu`, `cpus`, `memory_gb` rounded to a tenth;
the same lock files in the same order, hashed with sha256; the same allowlist of variables), so a
comparison of a client run with a recorded one from the same machine finds no difference there.
Everything here is best effort: a missing tool leaves its field out and never raises.
"""

import hashlib
import os
import platform
import subprocess
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

# src/record/environment.ts ALLOWED_VARS: where and on what a job ran, never what it was given.
ALLOWED_VARS = (
    "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "OMP_NUM_THREADS", "WORLD_SIZE", "LOCAL_WORLD_SIZE",
    "RANK", "LOCAL_RANK", "SLURM_JOB_ID", "SLURM_JOB_NAME", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_NNODES",
    "SLURM_NTASKS", "SLURM_CLUSTER_NAME", "PBS_JOBID", "LSB_JOBID", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_WORKFLOW",
    "GITHUB_SHA", "GITHUB_REF", "GITHUB_REPOSITORY", "CI_JOB_ID", "CI_PIPELINE_ID", "BUILDKITE_BUILD_NUMBER", "CONDA_DEFAULT_ENV",
    "VIRTUAL_ENV", "PYTHONHASHSEED", "TZ",
)
# src/record/environment.ts LOCK_FILES, in order of preference.
LOCK_FILES = ("package-lock.json", "pnpm-lock.yaml", "yarn.lock", "uv.lock", "poetry.lock", "requirements.txt", "environment.yml")

# Node's os.arch() names for what platform.machine() says.
_ARCH = {
    "x86_64": "x64", "amd64": "x64", "x64": "x64",
    "aarch64": "arm64", "arm64": "arm64", "armv8l": "arm64",
    "armv7l": "arm", "armv6l": "arm", "arm": "arm",
    "i386": "ia32", "i686": "ia32", "x86": "ia32",
    "ppc64le": "ppc64", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64", "loongarch64": "loong64", "mips": "mips",
}
# Node's os.platform() names for what platform.system() says.
_OS = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32", "FreeBSD": "freebsd", "OpenBSD": "openbsd", "SunOS": "sunos", "AIX": "aix"}
PROBE_TIMEOUT_S = 3


def _run(args: List[str], cwd: Optional[str] = None, timeout: float = PROBE_TIMEOUT_S) -> Optional[bytes]:
    try:
        out = subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


# Git may take a while on a big repository (the diff); probes of tools (nvidia-smi, sysctl) may not.
GIT_TIMEOUT_S = 30


def _git(cwd: str, *args: str) -> Optional[str]:
    out = _run(["git", *args], cwd, GIT_TIMEOUT_S)
    if out is None:
        return None
    text = out.decode("utf-8", "replace").strip()
    return text or None


def strip_credentials(url: str) -> str:
    """As src/git/state.ts stripCredentials: all user info from http(s) URLs, the password from others."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc or not parts.scheme:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    if parts.scheme in ("http", "https"):
        netloc = host
    else:
        netloc = (userinfo.split(":", 1)[0] + "@" if userinfo.split(":", 1)[0] else "") + host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def git_state(cwd: str) -> Tuple[Dict[str, Any], Optional[bytes]]:
    """The git state of the repository holding `cwd` (commit, branch, remote, dirty) and the dirty diff.

    The diff is `git diff HEAD --binary` after comment lines naming untracked files, as `record`
    writes it to git.diff; publishing redacts it and stores it as an object.
    """
    if _git(cwd, "rev-parse", "--is-inside-work-tree") != "true":
        return {}, None
    info: Dict[str, Any] = {}
    commit = _git(cwd, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if commit:
        info["commit"] = commit
    branch = _git(cwd, "symbolic-ref", "--short", "-q", "HEAD")
    if branch:
        info["branch"] = branch
    upstream = _git(cwd, "config", "--get", f"branch.{branch}.remote") if branch else None
    remotes = (_git(cwd, "remote") or "").split("\n")
    name = next((c for c in (upstream, "origin", remotes[0] if remotes else None) if c and c in remotes), None)
    url = _git(cwd, "remote", "get-url", name) if name else None
    if url:
        info["remote"] = strip_credentials(url)
    status = _run(["git", "status", "--porcelain", "-z", "--untracked-files=all"], cwd, GIT_TIMEOUT_S)
    info["dirty"] = bool(status)
    if not status:
        return info, None
    untracked = [n for n in (_run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd, GIT_TIMEOUT_S) or b"").decode("utf-8", "replace").split("\0") if n]
    patch = _run(["git", "diff", "HEAD", "--binary"] if commit else ["git", "diff", "--cached", "--binary"], cwd, GIT_TIMEOUT_S) or b""
    header = ("# Untracked files (not in this patch):\n" + "".join(f"#   {n}\n" for n in untracked) + "\n") if untracked else ""
    return info, header.encode("utf-8") + patch


def _cpu_model() -> Optional[str]:
    """The first CPU's model, as Node's os.cpus()[0].model reads it (/proc/cpuinfo on Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    if platform.system() == "Darwin":
        out = _run(["sysctl", "-n", "machdep.cpu.brand_string"])
        if out and out.strip():
            return out.decode("utf-8", "replace").strip()
    return platform.processor().strip() or None


def _memory_gb() -> Optional[float]:
    """Total memory in GB to a tenth, rounded half up as JavaScript's Math.round does."""
    total: Optional[int] = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        out = _run(["sysctl", "-n", "hw.memsize"])
        if out and out.strip().isdigit():
            total = int(out.strip())
    if not total:
        return None
    tenths = int(total / 1024**3 * 10 + 0.5)
    return tenths / 10


def _gpus() -> Optional[List[str]]:
    out = _run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"])
    names = [line.strip() for line in (out or b"").decode("utf-8", "replace").split("\n") if line.strip()]
    return names or None


def _lock_file(root: str) -> Optional[Dict[str, str]]:
    folder = os.path.abspath(root)
    while True:
        for name in LOCK_FILES:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                digest = hashlib.sha256()
                try:
                    with open(path, "rb") as file:
                        for chunk in iter(lambda: file.read(1 << 20), b""):
                            digest.update(chunk)
                except OSError:
                    return None
                return {"file": name, "sha256": digest.hexdigest()}
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent


def environment(root: str, runtimes: Dict[str, str], redact_text) -> Dict[str, Any]:
    """The machine, as src/record/environment.ts captureEnvironment records it for a run started in `root`."""
    env: Dict[str, Any] = {
        "os": f"{_OS.get(platform.system(), platform.system().lower())} {platform.release()}",
        "arch": _ARCH.get(platform.machine().lower(), platform.machine().lower()),
        "cpus": os.cpu_count() or 1,
        "runtimes": runtimes,
    }
    memory = _memory_gb()
    if memory is not None:
        env["memory_gb"] = memory
    model = _cpu_model()
    if model:
        env["cpu"] = model
    gpu = _gpus()
    if gpu:
        env["gpu"] = gpu
    lock = _lock_file(root)
    if lock:
        env["lock"] = lock
    variables = {name: redact_text(os.environ[name]) for name in ALLOWED_VARS if os.environ.get(name)}
    if variables:
        env["vars"] = variables
    return env
