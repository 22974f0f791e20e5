// shareable scenario, "search": Product.name and Product.price (a shareable
// value type) resolvable here and in catalog, with the same values.
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

  type Query {
    search(term: String!): [Product!]!
  }

  type Product @key(fields: "id") {
    id: ID!
    name: String! @shareable
    price: Money! @shareable
  }

  type Money @shareable {
    amount: Int!
    currency: String!
  }
`;

const products = [
  { id: "p1", name: "Table", price: { amount: 100, currency: "EUR" } },
  { id: "p2", name: "Chair", price: { amount: 40, currency: "EUR" } },
  { id: "p3", name: "Couch", price: { amount: 700, currency: "EUR" } },
];

export const resolvers = {
  Query: { search: (_, { term }) => products.filter((p) => p.name.toLowerCase().includes(term.toLowerCase())) },
  Product: { __resolveReference: (ref) => products.find((p) => p.id === ref.id) ?? null },
};
