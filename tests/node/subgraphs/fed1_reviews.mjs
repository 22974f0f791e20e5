// fed1 scenario, "reviews": a Federation 1 subgraph (no @link): extend type
// with @key and @external key fields, extend type Query.
export const typeDefs = /* GraphQL */ `
  type Review @key(fields: "id") {
    id: ID!
    body: String!
    author: User
    product: Product
  }

  extend type User @key(fields: "id") {
    id: ID! @external
    reviews: [Review!]!
  }

  extend type Product @key(fields: "upc") {
    upc: String! @external
    reviews: [Review!]!
  }

  extend type Query {
    reviews: [Review!]!
  }
`;

const reviews = [
  { id: "r1", body: "Love it", author: "u1", product: "1" },
  { id: "r2", body: "Too small", author: "u2", product: "2" },
  { id: "r3", body: "Could be worse", author: "u1", product: "3" },
];

export const resolvers = {
  Query: { reviews: () => reviews },
  Review: {
    __resolveReference: (ref) => reviews.find((r) => r.id === ref.id) ?? null,
    author: (r) => ({ id: r.author }),
    product: (r) => ({ upc: r.product }),
  },
  User: { reviews: (u) => reviews.filter((r) => r.author === u.id) },
  Product: { reviews: (p) => reviews.filter((r) => r.product === p.upc) },
};
