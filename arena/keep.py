"""Values derived from many rows, kept in the process while a cheap version of their inputs
stays the same (the version must change whenever anything they show changes)."""

import threading
from collections.abc import Callable, Hashable


class Kept:
    """Values kept for one version at a time; a new version drops them all."""

    def __init__(self) -> None:
        self._version: Hashable = None
        self._values: dict = {}
        self._lock = threading.Lock()
        EVERY_KEPT.append(self)

    def get(self, version: Hashable, key: Hashable, compute: Callable):
        with self._lock:
            if version != self._version:
                self._version, self._values = version, {}
            elif key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if version == self._version:
                self._values[key] = value
        return value

    def forget(self) -> None:
        with self._lock:
            self._version, self._values = None, {}


#: Every Kept, so tests can start each test with nothing kept (they reuse ids and times).
EVERY_KEPT: list[Kept] = []


def forget_everything() -> None:
    for kept in EVERY_KEPT:
        kept.forget()
