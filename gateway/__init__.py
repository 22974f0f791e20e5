"""bff: a GraphQL backend-for-frontend gateway for serverless microservices.

The request path is visible in the package layout:

    http/       -> ASGI app and Lambda handler: GraphQL over HTTP in and out
    operation/  -> parse, validate and normalize the client's operation
    plan/       -> split the operation into fetches per subgraph (the query plan)
    execute/    -> run the plan against the subgraphs, in parallel where possible
    shape/      -> build the client's response from the fetched data
    supergraph/ -> read the composed (supergraph) schema (its API schema: bff_common/api_schema.py)

Nothing heavy is imported here: a Lambda cold start pays only for what it uses.
"""

__version__ = "0.1.0"
