"""Values derived from many rows, kept in the process while a cheap version of their inputs
stays the same (the version must change whenever anything they show changes)."""

import threading
from collections import OrderedDict
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


class KeptUpToDate:
    """One value per key, each with the version it was made for, the least recently asked for
    dropped beyond `size`. A value made for an older version is brought up to date by
    `update(old)`, which may answer None when only making it anew will do."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict = OrderedDict()  # key: (version, value)
        self._lock = threading.Lock()
        EVERY_KEPT.append(self)

    def get(self, version: Hashable, key: Hashable, make: Callable, update: Callable):
        with self._lock:
            kept = self._values.get(key)
            if kept is not None:
                self._values.move_to_end(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        value = update(kept[1]) if kept is not None else None
        if value is None:
            value = make()
        with self._lock:
            self._values[key] = (version, value)
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def forget(self) -> None:
        with self._lock:
            self._values.clear()


#: Every Kept, so tests can start each test with nothing kept (they reuse ids and times).
EVERY_KEPT: list = []


def forget_everything() -> None:
    for kept in EVERY_KEPT:
        kept.forget()
