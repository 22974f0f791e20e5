"""A small bounded LRU map (prepared documents, plans, refusals).

Bounded by entries and, optionally, by bytes: an entry's size is given by the
caller when it is stored (an estimate; see gateway.py for how documents are
weighed), so a cache of big documents cannot grow past its budget however few
entries it holds.

Safe to share with the gateway's worker thread: reads take no lock (each
OrderedDict operation is atomic under the GIL; a key evicted between the read
and the reordering is simply not reordered), writes take one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    def __init__(self, maxsize: int, maxbytes: int | None = None) -> None:
        self.maxsize = maxsize
        self.maxbytes = maxbytes
        self.nbytes = 0
        self._data: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        found = self._data.get(key)
        if found is None:
            return None
        try:
            self._data.move_to_end(key)
        except KeyError:  # evicted meanwhile by another thread
            pass
        return found[0]

    def put(self, key: Hashable, value: V, size: int = 0) -> None:
        """Store `value` (weighing `size` bytes); the least recently used entries make room."""
        if self.maxbytes is not None and size > self.maxbytes:
            return  # would evict everything and still not fit
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            self._data[key] = (value, size)
            self.nbytes += size
            while len(self._data) > self.maxsize or (self.maxbytes is not None and self.nbytes > self.maxbytes):
                _, (_, freed) = self._data.popitem(last=False)
                self.nbytes -= freed

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.nbytes = 0

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)
