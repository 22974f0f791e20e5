"""Subscriptions on AWS with no server: API Gateway WebSocket API + DynamoDB + EventBridge + a fan-out Lambda.

    table.py        connections and subscriptions in one DynamoDB table (TTL, a GSI by topic)
    management.py   posting to and closing connections (API Gateway Management API, SigV4)
    websocket.py    the $connect / $disconnect / $default routes speaking graphql-transport-ws
    projection.py   an event payload as the subscription's source fetch would have answered it
    batching.py     one `_entities` call per subgraph for every subscriber of an event batch
    fanout.py       events -> matching subscriptions -> one run per distinct operation -> posts
    handler.py      the Lambda entry points (websocket, fanout)

Docs: docs/realtime.md ("On AWS"), deploy/README.md.
"""
