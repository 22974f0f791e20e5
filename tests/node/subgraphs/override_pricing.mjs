// override scenario, "pricing": takes Product.price over from "legacy" (which
// still declares it, with stale values) and Product.currency (which legacy no
// longer declares).
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@override"])

  type Query {
    deals: [Product!]!
  }

  type Product @key(fields: "id") {
    id: ID!
    price: Int! @override(from: "legacy")
    currency: String! @override(from: "legacy")
  }
`;

const prices = { p1: 95, p2: 35, p3: 650 };

export const resolvers = {
  Query: { deals: () => [{ id: "p3" }, { id: "p1" }] },
  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    price: (p) => prices[p.id],
    currency: () => "EUR",
  },
};
