// requires scenario, "shipping": @requires on fields from two other subgraphs,
// a @requires field with arguments, and a @requires on nested fields.
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])

  type Product @key(fields: "upc") {
    upc: ID!
    weight: Int @external
    price: Int! @external
    dimensions: Dimensions @external
    "0 above a price of 500, else 2 per weight unit"
    shippingEstimate: Int @requires(fields: "weight price")
    "weight times 3 (EU) or 5 (elsewhere)"
    shippingCost(zone: String!): Int @requires(fields: "weight")
    "crate when width * height > 5000, else box"
    packaging: String @requires(fields: "dimensions { width height }")
  }

  type Dimensions @shareable {
    width: Int
    height: Int
  }
`;

export const resolvers = {
  Product: {
    __resolveReference: (ref) => ref,
    shippingEstimate: (p) => (p.price > 500 ? 0 : p.weight * 2),
    shippingCost: (p, { zone }) => p.weight * (zone === "EU" ? 3 : 5),
    packaging: (p) => (p.dimensions.width * p.dimensions.height > 5000 ? "crate" : "box"),
  },
};
