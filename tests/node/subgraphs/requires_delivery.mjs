// requires scenario, "delivery": @requires on a field that is itself computed
// with @requires in another subgraph (shipping.shippingEstimate).
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])

  type Product @key(fields: "upc") {
    upc: ID!
    shippingEstimate: Int @external
    "1 when shipping is free, else ceil(estimate / 10) + 1"
    deliveryDays: Int @requires(fields: "shippingEstimate")
  }
`;

export const resolvers = {
  Product: {
    __resolveReference: (ref) => ref,
    deliveryDays: (p) => (p.shippingEstimate === 0 ? 1 : Math.ceil(p.shippingEstimate / 10) + 1),
  },
};
