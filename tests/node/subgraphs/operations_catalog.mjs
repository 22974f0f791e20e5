// operations scenario, "catalog": root fields with list and input-object
// arguments, for variables/aliases/fragments/@skip/@include tests.
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    products(filter: ProductFilter, first: Int): [Product!]!
    productsByUpcs(upcs: [ID!]!): [Product]!
  }

  input ProductFilter {
    minPrice: Int
    tags: [String!]
  }

  type Product @key(fields: "upc") {
    upc: ID!
    name: String!
    price: Int!
    tags: [String!]!
  }
`;

const products = [
  { upc: "1", name: "Table", price: 100, tags: ["wood", "big"] },
  { upc: "2", name: "Chair", price: 40, tags: ["wood"] },
  { upc: "3", name: "Lamp", price: 25, tags: ["metal"] },
  { upc: "4", name: "Sofa", price: 700, tags: ["big"] },
];

export const resolvers = {
  Query: {
    products: (_, { filter, first }) => {
      let out = products;
      if (filter?.minPrice != null) out = out.filter((p) => p.price >= filter.minPrice);
      if (filter?.tags != null) out = out.filter((p) => p.tags.some((t) => filter.tags.includes(t)));
      return first != null ? out.slice(0, first) : out;
    },
    productsByUpcs: (_, { upcs }) => upcs.map((u) => products.find((p) => p.upc === u) ?? null),
  },
  Product: { __resolveReference: (ref) => products.find((p) => p.upc === ref.upc) ?? null },
};
