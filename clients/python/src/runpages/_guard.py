"""What every framework integration shares: it never raises into the training loop (the first
failure is a warning, later ones are silent so a bad callback cannot flood the log), and it records
the framework's version in the run's env."""

import functools
import warnings
from typing import Any, Callable, TypeVar

from . import RunpagesWarning

F = TypeVar("F", bound=Callable[..., Any])


class Guarded:
    """Base of the integrations: `_warned` is per instance, so one failing callback warns once."""

    _warned = False

    def _fail(self, where: str, error: BaseException) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"runpages: {type(self).__module__}.{type(self).__name__}.{where} failed: {error!r}; training goes on "
                "(further failures of this callback are not reported)",
                RunpagesWarning,
                stacklevel=3,
            )


def guarded(method: F) -> F:
    """Wraps a callback method: any exception becomes one warning and the method returns None."""

    @functools.wraps(method)
    def wrapper(self: Guarded, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            self._fail(method.__name__, error)
            return None

    return wrapper  # type: ignore[return-value]


def plain(value: Any) -> Any:
    """A param value JSON can hold: numbers, text, bools, None, lists and mappings; others as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(key): plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(inner) for inner in value]
    try:
        return value.item()  # numpy / torch scalars
    except Exception:
        return str(value)


def numeric(logs: Any) -> dict:
    """The entries of a logs mapping that are numbers (numpy/torch scalars included); others dropped."""
    out = {}
    for key, value in dict(logs or {}).items():
        if isinstance(value, bool):
            continue
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return out
