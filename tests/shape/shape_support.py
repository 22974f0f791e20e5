"""The shape tests' API schema and document helpers (a uniquely named module, safe to import)."""

from __future__ import annotations

from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse

SDL = """
scalar JSON
enum Status { ACTIVE RETIRED }

interface Node { id: ID! }
interface Named { name: String }

type Product implements Node & Named {
  id: ID!
  sku: ID
  upc: String!
  name: String
  price: Int
  weight: Float
  inStock: Boolean
  status: Status
  strictStatus: Status!
  meta: JSON
  tags: [String!]!
  dims: [[Int!]]
  related: [[Product]]
  reviews: [Review!]
  brand: Brand
}

type Brand { id: ID! name: String }

type User implements Node & Named {
  id: ID!
  name: String
  username: String!
  reviews: [Review]
}

type Review implements Node {
  id: ID!
  body: String!
  author: User!
  product: Product
}

union SearchResult = Product | User

type Query {
  product(id: ID): Product
  products: [Product!]!
  me: User!
  node(id: ID): Node
  nodes: [Node]
  search: [SearchResult!]
  strictSearch: [SearchResult!]!
  count: Int!
}

type Mutation {
  addReview(body: String!): Review
}
"""

SCHEMA = build_schema(SDL)


def split(query: str, no_location: bool = True) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    """The (single) operation of a document and its fragments by name."""
    document = parse(query, no_location=no_location)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return operation, fragments
