"""DynamoDB registry store: one table, every write conditional (see discovery/dynamodb.md).

`dynamodb://TABLE?region=us-east-1&endpoint=http://127.0.0.1:8000&timeout=5&create=1`:
region and endpoint fall back to the usual AWS environment variables (the endpoint to
AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, on the read path as on the write path). botocore is
imported when the store is opened, never at module import (botocore, not boto3: fewer imports on a cold start).
"""

from __future__ import annotations

import json
import os
import uuid
import zlib
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import parse_qs, urlsplit

from ..model import Commit, HistoryEvent, Service, Snapshot, StoredSupergraph
from .base import DocumentEntry, RegistryNotFound, Store, StoreError, StoreUnavailable, VersionConflict

if TYPE_CHECKING:
    from ..usage import UsageRow

GRAPH_PK = "GRAPH"
HEAD_SK = "HEAD"
SUPERGRAPH_PK = "SUPERGRAPH"
HISTORY_PK = "HISTORY"
USAGE_PK = "USAGE#"
DOC_PK = "DOC#"  # DOC#<sha256> / DOC: the document, for hash-only lookups
DOCS_PK = "DOCS#"  # DOCS#<client> / <version>#<sha256>: a registration, with the document
# Items are limited to 400 KB: blobs are zlib-compressed and split into parts this big.
PART_BYTES = 350_000
# Composed supergraphs kept besides the current one (readers that saw the head just before a commit).
KEEP_SUPERGRAPHS = 2


def _v(version: int) -> str:
    return f"{version:010d}"


def compress_parts(text: str | None) -> list[bytes]:
    """zlib(text) in parts that fit an item; [] for None (an empty graph)."""
    if text is None:
        return []
    data = zlib.compress(text.encode("utf-8"), 6)
    return [data[i:i + PART_BYTES] for i in range(0, len(data), PART_BYTES)] or [b""]


def decompress_parts(parts: list[bytes]) -> str:
    return zlib.decompress(b"".join(parts)).decode("utf-8")


class DynamoDBStore(Store):
    """Registry state in one DynamoDB table with a string partition key `pk` and sort key `sk`."""

    def __init__(self, table: str, *, region: str | None = None, endpoint: str | None = None,
                 timeout: float = 5.0, create: bool = False, client: Any = None) -> None:
        self.table = table
        if endpoint is None:  # as botocore: AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL, for reads and writes alike
            from bff_common.aws.sigv4 import configured_endpoint

            endpoint = configured_endpoint("dynamodb")
        self._settings = (region, endpoint, timeout)
        # Reads (a gateway's cold start: one Query, then version checks) go through the lean
        # signed-HTTP client when credentials are in the environment; botocore is built on
        # the first write, or for reads when the lean client cannot be used.
        self._writer: Any = client
        self._reader: Any = client
        if client is None and os.environ.get("BFF_DYNAMODB_CLIENT", "lean") != "botocore":
            from .dynamodb_lean import lean_client

            self._reader = lean_client(region, endpoint, timeout)
        self._head_cache: dict[str, Any] | None = None
        if create:
            self.create_table()

    @classmethod
    def from_url(cls, url: str, *, create: bool = False) -> "DynamoDBStore":
        parts = urlsplit(url)
        table = parts.netloc or parts.path.lstrip("/")
        if not table:
            raise ValueError(f"bad DynamoDB registry URL {url!r}: use dynamodb://TABLE[?region=R&endpoint=URL]")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"region", "endpoint", "timeout", "create"}
        if unknown:
            raise ValueError(f"unknown DynamoDB registry option(s) {', '.join(sorted(unknown))} in {url!r}")
        return cls(table, region=query.get("region"), endpoint=query.get("endpoint"),
                   timeout=float(query.get("timeout", 5.0)), create=create or query.get("create") in ("1", "true", "yes"))

    # -- table ------------------------------------------------------------------

    def create_table(self) -> None:
        """Create the table (on-demand billing) unless it exists; waits until it is active."""
        try:
            self._call("create_table", TableName=self.table, BillingMode="PAY_PER_REQUEST",
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                             {"AttributeName": "sk", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}])
        except StoreError as exc:
            if "ResourceInUse" not in str(exc):
                raise
        self._client.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})

    # -- reads ------------------------------------------------------------------

    def current_version(self) -> int:
        item = self._call("get_item", TableName=self.table, Key=_key(GRAPH_PK, HEAD_SK),
                          ProjectionExpression="version").get("Item")
        return int(item["version"]["N"]) if item else 0

    def supergraph(self) -> StoredSupergraph:
        # One Query, newest first: the latest stored supergraph is the current one (written with the head).
        for _ in range(5):
            found = self._read_supergraph(None, consistent=False)
            if found is not None:
                return found
        raise StoreUnavailable("the stored supergraph kept changing while being read; try again")

    def _read_supergraph(self, version: int | None, *, consistent: bool) -> StoredSupergraph | None:
        """The supergraph at `version` (the newest when None); None when its parts were incomplete."""
        args: dict[str, Any] = {"TableName": self.table, "ConsistentRead": consistent}
        if version is None:
            args.update(KeyConditionExpression="pk = :pk", ScanIndexForward=False, Limit=4,
                        ExpressionAttributeValues={":pk": {"S": SUPERGRAPH_PK}})
        else:
            args.update(KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
                        ExpressionAttributeValues={":pk": {"S": SUPERGRAPH_PK}, ":v": {"S": f"V#{_v(version)}#"}})
        parts: dict[int, bytes] = {}
        total = None
        contracts = None  # the contract definitions, on part 0: read with the supergraph, never apart from it
        for item in self._query(args):
            item_version = int(item["version"]["N"])
            if version is None:
                version = item_version
            if item_version != version:
                break
            total = int(item["parts"]["N"])
            parts[int(item["part"]["N"])] = item["data"]["B"]
            if "contracts" in item:
                contracts = item["contracts"]["S"]
        if version is None:
            return StoredSupergraph(0, None)
        if total is None or len(parts) != total:
            return None
        if total == 0 or (total == 1 and parts[0] == b""):
            return StoredSupergraph(version, None, contracts)
        return StoredSupergraph(version, decompress_parts([parts[i] for i in range(total)]), contracts)

    def snapshot(self) -> Snapshot:
        for _ in range(5):
            head: dict[str, Any] | None = None
            services: dict[str, Service] = {}
            spilled: list[tuple[str, bytes, int]] = []
            for item in self._query({"TableName": self.table, "ConsistentRead": True, "KeyConditionExpression": "pk = :pk",
                                     "ExpressionAttributeValues": {":pk": {"S": GRAPH_PK}}}):
                if item["sk"]["S"] == HEAD_SK:
                    head = item
                else:
                    service, parts = _service_from_item(item)
                    services[service.name] = service
                    if parts > 1:
                        spilled.append((service.name, item["sdl"]["B"], parts))
            if head is None:
                if services:
                    continue
                self._head_cache = None
                return Snapshot(0, {}, None)
            manifest = _manifest(head)
            version = int(head["version"]["N"])
            # Query is read-committed, not serializable: check that the items match the head's manifest.
            if {n: s.revision for n, s in services.items()} != {n: m[0] for n, m in manifest.items()}:
                continue
            for name, first, parts in spilled:
                services[name] = _with_sdl(services[name], self._read_spill(services[name], first, parts))
            supergraph = self._read_supergraph(version, consistent=True)
            if supergraph is None or supergraph.version != version:
                continue
            self._head_cache = head
            return Snapshot(version, services, supergraph.sdl, supergraph.contracts)
        raise StoreUnavailable("the registry kept changing while being read; try again")

    def _read_spill(self, service: Service, first: bytes, parts: int) -> str:
        """A large SDL: its first part is in the service item, the rest under SDL#name#revision."""
        rest: dict[int, bytes] = {}
        for item in self._query({"TableName": self.table, "ConsistentRead": True,
                                 "KeyConditionExpression": "pk = :pk",
                                 "ExpressionAttributeValues": {":pk": {"S": _spill_pk(service.name, service.revision)}}}):
            rest[int(item["part"]["N"])] = item["data"]["B"]
        if len(rest) != parts - 1:
            raise StoreUnavailable(f"service {service.name}: SDL parts missing; try again")
        return decompress_parts([first] + [rest[i] for i in range(1, parts)])

    def history(self, service: str | None = None) -> list[HistoryEvent]:
        args: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                "ExpressionAttributeValues": {":pk": {"S": HISTORY_PK}}, "ConsistentRead": True}
        if service is not None:
            args["FilterExpression"] = "service = :s"
            args["ExpressionAttributeValues"][":s"] = {"S": service}
        return [HistoryEvent(int(i["version"]["N"]), i["service"]["S"], i["action"]["S"], i["actor"]["S"],
                             i["at"]["S"], i["summary"]["S"], i.get("endpoint", {}).get("S"))
                for i in self._query(args)]

    # -- the one write ------------------------------------------------------------

    def commit(self, change: Commit) -> None:
        head = self._head_cache
        if change.expected_version == 0:
            head = None
        elif head is None or int(head["version"]["N"]) != change.expected_version:
            head = self._call("get_item", TableName=self.table, Key=_key(GRAPH_PK, HEAD_SK), ConsistentRead=True).get("Item")
            if head is None or int(head["version"]["N"]) != change.expected_version:
                raise VersionConflict(f"graph is no longer at version {change.expected_version}")
        manifest = _manifest(head) if head else {}
        kept = _kept_supergraphs(head) if head else []
        new = change.new_version
        items: list[dict[str, Any]] = []

        if change.upsert is not None:
            s = change.upsert
            sdl_parts = compress_parts(s.sdl)
            old = manifest.get(s.name)
            item = _service_item(s, new, sdl_parts)
            cond = "attribute_not_exists(pk)" if old is None else "revision = :rev"
            put: dict[str, Any] = {"TableName": self.table, "Item": item, "ConditionExpression": cond}
            if old is not None:
                put["ExpressionAttributeValues"] = {":rev": {"N": str(old[0])}}
            items.append({"Put": put})
            for i, data in enumerate(sdl_parts[1:], start=1):
                items.append(_put_new(self.table, {**_key(_spill_pk(s.name, new), f"P#{i:03d}"),
                                                   "part": {"N": str(i)}, "data": {"B": data}}))
            if old is not None:
                items.extend(_delete(self.table, _spill_pk(s.name, old[0]), f"P#{i:03d}") for i in range(1, old[1]))
            manifest[s.name] = (new, len(sdl_parts))
        if change.remove is not None:
            old = manifest.pop(change.remove, None)
            if old is None:
                raise VersionConflict(f"service {change.remove} is not in the graph")
            items.append({"Delete": {"TableName": self.table, "Key": _key(GRAPH_PK, f"SERVICE#{change.remove}"),
                                     "ConditionExpression": "revision = :rev",
                                     "ExpressionAttributeValues": {":rev": {"N": str(old[0])}}}})
            items.extend(_delete(self.table, _spill_pk(change.remove, old[0]), f"P#{i:03d}") for i in range(1, old[1]))

        graph_parts = compress_parts(change.supergraph) or [b""]
        for i, data in enumerate(graph_parts):
            part = {**_key(SUPERGRAPH_PK, f"V#{_v(new)}#P#{i:03d}"), "version": {"N": str(new)},
                    "part": {"N": str(i)}, "parts": {"N": str(len(graph_parts))}, "data": {"B": data}}
            if i == 0 and change.contracts is not None:
                part["contracts"] = {"S": change.contracts}
            items.append(_put_new(self.table, part))
        kept.append((new, len(graph_parts)))
        for version, count in kept[:-(KEEP_SUPERGRAPHS + 1)]:
            items.extend(_delete(self.table, SUPERGRAPH_PK, f"V#{_v(version)}#P#{i:03d}") for i in range(count))
        kept = kept[-(KEEP_SUPERGRAPHS + 1):]

        e = change.event
        history = {**_key(HISTORY_PK, f"V#{_v(new)}"), "version": {"N": str(new)}, "service": {"S": e.service},
                   "action": {"S": e.action}, "actor": {"S": e.actor}, "at": {"S": e.at}, "summary": {"S": e.summary}}
        if e.endpoint is not None:
            history["endpoint"] = {"S": e.endpoint}
        items.append(_put_new(self.table, history))

        new_head = {**_key(GRAPH_PK, HEAD_SK), "version": {"N": str(new)}, "updated_at": {"S": e.at},
                    "manifest": {"S": json.dumps({n: list(m) for n, m in sorted(manifest.items())})},
                    "supergraphs": {"S": json.dumps(kept)}}
        if head is None:
            head_put = {"TableName": self.table, "Item": new_head, "ConditionExpression": "attribute_not_exists(pk)"}
        else:
            head_put = {"TableName": self.table, "Item": new_head, "ConditionExpression": "version = :expected",
                        "ExpressionAttributeValues": {":expected": {"N": str(change.expected_version)}}}
        items.insert(0, {"Put": head_put})
        if len(items) > 100:
            raise StoreError(f"this change needs {len(items)} writes, more than one DynamoDB transaction allows (100)")
        try:
            self._call("transact_write_items", TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except VersionConflict:
            self._head_cache = None
            raise
        self._head_cache = new_head

    # -- plumbing -----------------------------------------------------------------

    def _query(self, args: dict[str, Any]) -> Iterator[dict[str, Any]]:
        args = dict(args)
        while True:
            page = self._call("query", **args)
            yield from page.get("Items", ())
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            args["ExclusiveStartKey"] = last

    @property
    def _client(self) -> Any:
        """botocore's client (writes, table management), built on first use."""
        if self._writer is None:
            self._writer = _make_client(*self._settings)
        return self._writer

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One DynamoDB call with its failures translated into the store's errors."""
        client = self._reader if (operation in READS and self._reader is not None) else self._client
        try:
            return getattr(client, operation)(**kwargs)
        except Exception as exc:  # botocore's or the lean client's errors, told apart by shape
            response = getattr(exc, "response", None)
            if not (isinstance(response, dict) and "Error" in response):
                if _unavailable(exc):
                    raise StoreUnavailable(f"DynamoDB did not answer ({type(exc).__name__}: {exc})") from None
                raise
            code = response["Error"].get("Code", "")
            if code == "TransactionCanceledException":
                reasons = [r.get("Code") for r in response.get("CancellationReasons", ())]
                if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                    raise VersionConflict(f"concurrent change (reasons: {reasons})") from None
            if code in ("TransactionConflictException", "TransactionInProgressException"):
                raise VersionConflict(code) from None
            if code == "ResourceNotFoundException":
                raise RegistryNotFound(f"no registry at dynamodb://{self.table}: the table does not exist (create it "
                                       f"with `bff registry init dynamodb://{self.table}`, `bff publish --create`, "
                                       "or as discovery/dynamodb.md describes)") from None
            if code in ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                        "InternalServerError", "ServiceUnavailable"):
                raise StoreUnavailable(f"DynamoDB {operation} failed: {code}") from None
            raise StoreError(f"DynamoDB {operation} failed: {code}: {response['Error'].get('Message', '')}") from None

    # -- client field usage: pk USAGE#<day>, sk <coordinate>#<client>#<version>, count ADDed ------------

    def record_usage(self, day: str, counts: dict[tuple[str, ...], int]) -> None:
        for key, n in counts.items():
            coordinate, client, version = key[:3]
            contract = key[3] if len(key) > 3 else ""
            # Under a contract the sort key gets "#<contract>"; the full API schema's keys are as before.
            sk = f"{coordinate}#{client}#{version}" + (f"#{contract}" if contract else "")
            self._call("update_item", TableName=self.table, Key=_key(f"{USAGE_PK}{day}", sk),
                       UpdateExpression="ADD #n :n SET coordinate = :c, client = :cl, client_version = :v, #d = :d, "
                                        "#k = :k",
                       ExpressionAttributeNames={"#n": "count", "#d": "day", "#k": "contract"},
                       ExpressionAttributeValues={":n": {"N": str(n)}, ":c": {"S": coordinate}, ":cl": {"S": client},
                                                  ":v": {"S": version}, ":d": {"S": day}, ":k": {"S": contract}})

    def usage(self, since_day: str, coordinate: str | None = None) -> "list[UsageRow]":
        from datetime import date, datetime, timedelta, timezone

        from ..usage import UsageRow, covers

        rows: list[UsageRow] = []
        day, today = date.fromisoformat(since_day), datetime.now(timezone.utc).date()
        while day <= today:
            args: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                    "ExpressionAttributeValues": {":pk": {"S": f"{USAGE_PK}{day.isoformat()}"}}}
            if coordinate is not None:
                args["KeyConditionExpression"] += " AND begins_with(sk, :c)"
                args["ExpressionAttributeValues"][":c"] = {"S": coordinate}
            for item in self._query(args):
                row = UsageRow(item["day"]["S"], item["coordinate"]["S"], item["client"]["S"],
                               item["client_version"]["S"], int(item["count"]["N"]),
                               item.get("contract", {}).get("S", ""))
                if coordinate is None or covers(coordinate, row.coordinate):
                    rows.append(row)
            day += timedelta(days=1)
        return rows

    # -- trusted documents (discovery/dynamodb.md) -------------------------------------

    def put_documents(self, client: str, version: str, documents: dict[str, str], published_by: str, at: str) -> int:
        added = 0
        for sha, text in documents.items():
            # The DOC# item first: a registration never points at a missing document.
            self._put_if_absent({**_key(f"{DOC_PK}{sha}", "DOC"), "document": {"S": text}, "published_at": {"S": at}})
            added += self._put_if_absent({**_key(f"{DOCS_PK}{client}", f"{version}#{sha}"), "client": {"S": client},
                                          "version": {"S": version}, "sha256": {"S": sha}, "document": {"S": text},
                                          "published_by": {"S": published_by}, "published_at": {"S": at}})
        return added

    def _put_if_absent(self, item: dict[str, Any]) -> bool:
        """Put `item` unless its key exists; False when it did (same key, same content: hashes are ids)."""
        try:
            self._call("put_item", TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            return True
        except StoreError as exc:
            if "ConditionalCheckFailed" in str(exc):
                return False
            raise

    def document(self, sha256: str) -> str | None:
        item = self._call("get_item", TableName=self.table, Key=_key(f"{DOC_PK}{sha256}", "DOC")).get("Item")
        return item["document"]["S"] if item else None

    def client_document(self, client: str, version: str, sha256: str) -> str | None:
        item = self._call("get_item", TableName=self.table,
                          Key=_key(f"{DOCS_PK}{client}", f"{version}#{sha256}")).get("Item")
        return item["document"]["S"] if item else None

    def documents(self, client: str | None = None) -> list[DocumentEntry]:
        names = "client, version, sha256, published_by, published_at"
        if client is not None:
            items = self._query({"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                 "ProjectionExpression": names,
                                 "ExpressionAttributeValues": {":pk": {"S": f"{DOCS_PK}{client}"}}})
        else:
            items = self._scan({"TableName": self.table, "FilterExpression": "begins_with(pk, :p)",
                                "ProjectionExpression": names,
                                "ExpressionAttributeValues": {":p": {"S": DOCS_PK}}})
        entries = [DocumentEntry(i["client"]["S"], i["version"]["S"], i["sha256"]["S"], i["published_by"]["S"],
                                 i["published_at"]["S"]) for i in items]
        return sorted(entries, key=lambda e: (e.client, e.version, e.sha256))

    def _scan(self, args: dict[str, Any]) -> Iterator[dict[str, Any]]:
        args = dict(args)
        while True:
            page = self._call("scan", **args)
            yield from page.get("Items", ())
            if not page.get("LastEvaluatedKey"):
                return
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def close(self) -> None:
        for client in {id(c): c for c in (self._reader, self._writer) if c is not None}.values():
            close = getattr(client, "close", None)
            if close is not None:
                close()


def _make_client(region: str | None, endpoint: str | None, timeout: float) -> Any:
    # botocore directly: boto3 adds ~250 ms of imports (s3transfer) that a gateway's cold start does not need.
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    region = region or session.get_config_variable("region") or os.environ.get("AWS_REGION") or "us-east-1"
    credentials: dict[str, str] = {}
    if endpoint and session.get_credentials() is None:
        # DynamoDB Local accepts any credentials, botocore insists on some.
        credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2, "mode": "standard"},
                    tcp_keepalive=True)
    return session.create_client("dynamodb", region_name=region, endpoint_url=endpoint, config=config, **credentials)


READS = frozenset({"get_item", "query"})
_UNAVAILABLE = frozenset({"ConnectTimeoutError", "ReadTimeoutError", "EndpointConnectionError",
                          "ConnectionClosedError", "NoCredentialsError", "AwsUnavailable"})


def _unavailable(exc: BaseException) -> bool:
    """botocore's transport errors and the lean client's, without importing botocore to ask."""
    return any(cls.__name__ in _UNAVAILABLE for cls in type(exc).__mro__)


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _spill_pk(name: str, revision: int) -> str:
    return f"SDL#{name}#{_v(revision)}"


def _put_new(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def _delete(table: str, pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": _key(pk, sk)}}


def _manifest(head: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {n: (int(m[0]), int(m[1])) for n, m in json.loads(head["manifest"]["S"]).items()}


def _kept_supergraphs(head: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(v), int(p)) for v, p in json.loads(head["supergraphs"]["S"])]


def _service_item(s: Service, revision: int, sdl_parts: list[bytes]) -> dict[str, Any]:
    item = {**_key(GRAPH_PK, f"SERVICE#{s.name}"), "name": {"S": s.name}, "endpoint": {"S": s.endpoint},
            "sdl": {"B": sdl_parts[0]}, "sdl_parts": {"N": str(len(sdl_parts))}, "published_by": {"S": s.published_by},
            "published_at": {"S": s.published_at}, "revision": {"N": str(revision)}}
    if s.lookups is not None:
        item["lookups"] = {"S": json.dumps(s.lookups)}
    if s.api_key_ref is not None:
        item["api_key_ref"] = {"S": s.api_key_ref}
    return item


def _service_from_item(item: dict[str, Any]) -> tuple[Service, int]:
    parts = int(item["sdl_parts"]["N"])
    sdl = decompress_parts([item["sdl"]["B"]]) if parts == 1 else ""
    lookups = json.loads(item["lookups"]["S"]) if "lookups" in item else None
    return Service(item["name"]["S"], item["endpoint"]["S"], sdl, lookups, item.get("api_key_ref", {}).get("S"),
                   item["published_by"]["S"], item["published_at"]["S"], int(item["revision"]["N"])), parts


def _with_sdl(service: Service, sdl: str) -> Service:
    from dataclasses import replace

    return replace(service, sdl=sdl)
