// fed1 scenario, "products": Federation 1 with @extends instead of `extend type`.
export const typeDefs = /* GraphQL */ `
  type Query {
    topProducts(first: Int = 5): [Product]
  }

  type Product @key(fields: "upc") {
    upc: String!
    name: String
    price: Int
  }

  type User @key(fields: "id") @extends {
    id: ID! @external
    purchases: [Product]
  }
`;

const products = [
  { upc: "1", name: "Table", price: 899 },
  { upc: "2", name: "Couch", price: 1299 },
  { upc: "3", name: "Chair", price: 54 },
];
const purchases = { u1: ["1", "3"], u2: [] };

export const resolvers = {
  Query: { topProducts: (_, { first }) => products.slice(0, first) },
  Product: { __resolveReference: (ref) => products.find((p) => p.upc === ref.upc) ?? null },
  User: { purchases: (u) => (purchases[u.id] ?? []).map((upc) => products.find((p) => p.upc === upc)) },
};
