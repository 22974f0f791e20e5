"""`SharedAPQ`: APQ documents shared through a store, with the in-process LRU in front.

A plugin on the request pipeline, placed before the persisted-documents plugin
(which resolves a hash from the in-process LRU, unchanged):

- on_request: a hash-only request whose hash the LRU does not have is looked up in
  the shared store; a document found there is put in the LRU only if it hashes to
  the requested sha256 (a tampered or colliding item is ignored, the client then
  registers the document again, which overwrites it).
- on_plan: a document registered here (query + hash, checked by the persisted-
  documents plugin before anything is planned) and new to this process is marked
  for sharing. Only documents that prepared and planned are shared, as only those
  are remembered locally.
- on_response: the marked document is written to the shared store in the
  background. Written here, not in on_plan, because on_plan runs in the gateway's
  preparing thread for big new documents, and an asyncio store (Redis) writes
  from the event loop.
"""

from __future__ import annotations

from typing import Any

KIND = "apq"


class SharedAPQ:
    def __init__(self, memory: Any, store: Any) -> None:
        self.memory = memory  # operation.persisted.MemoryDocumentStore: the gateway's APQ LRU
        self.store = store  # shared_cache.DynamoDBCache or RedisCache (get / put / aclose)

    async def on_request(self, ctx: Any) -> None:
        extensions = ctx.request.extensions
        if not extensions:
            return
        persisted = extensions.get("persistedQuery")
        sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(sha256, str) or len(sha256) != 64:
            return  # the persisted-documents plugin answers the malformed cases
        sha256 = sha256.lower()
        if self.memory.get(sha256) is not None:
            return
        if ctx.request.query is not None:
            ctx.state[self] = sha256  # a registration: shared once it planned (on_plan)
            return
        document = await self.store.get(KIND, sha256)
        if document is not None:
            from bff_common.documents import sha256_hex

            if sha256_hex(document) == sha256:
                self.memory.put(sha256, document)
            else:
                self.store.ignored += 1

    def on_plan(self, ctx: Any) -> None:
        sha256 = ctx.state.get(self)
        if isinstance(sha256, str) and isinstance(ctx.query, str):
            ctx.state[self] = (sha256, ctx.query)

    async def on_response(self, ctx: Any) -> None:
        planned = ctx.state.pop(self, None)
        if isinstance(planned, tuple):
            self.store.put(KIND, *planned)

    async def aclose(self) -> None:
        await self.store.aclose()
