"""Caches shared by every replica and Lambda container: a store behind the in-process LRUs.

With APQ, each process starts with an empty document cache, so each new Lambda
container or replica answers PERSISTED_QUERY_NOT_FOUND once per document and
client: a round trip the client pays again and again. `SharedAPQ` (apq.py), a
plugin on the request pipeline, looks a hash that the in-process LRU misses up
in a shared store (dynamodb.py: one GetItem; or redis_store.py: one GET) and writes documents registered
here, so a document registered on one replica is known on all of them.

The store never fails a request: a lookup that is slow (over its timeout) or
fails counts as a miss, the store is skipped for a few seconds after a failure,
and a warning is logged at most once a minute. An item that is corrupt, from
another format version, expired, or whose document does not hash to its key is
ignored (the client's re-registration overwrites it).
"""

from .apq import SharedAPQ
from .dynamodb import DynamoDBCache
from .store import open_shared_store

__all__ = ["DynamoDBCache", "SharedAPQ", "open_shared_store"]
