// batching scenario, "reviews": 100 reviews by 7 authors about 5 products, so a
// list of reviews needs many duplicate entity representations.
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    reviews(first: Int = 100): [Review!]!
  }

  type Review {
    id: ID!
    stars: Int!
    author: User!
    product: Product!
  }

  type User @key(fields: "id") {
    id: ID!
    reviews: [Review!]!
  }

  type Product @key(fields: "upc") {
    upc: ID!
  }
`;

// Review i: author u(i % 7), product p(i % 5), stars 1 + i % 5.
const reviews = Array.from({ length: 100 }, (_, i) => ({ id: `r${i}`, stars: 1 + (i % 5), author: `u${i % 7}`, product: `p${i % 5}` }));

export const resolvers = {
  Query: { reviews: (_, { first }) => reviews.slice(0, first) },
  Review: { author: (r) => ({ id: r.author }), product: (r) => ({ upc: r.product }) },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    reviews: (u) => reviews.filter((r) => r.author === u.id),
  },
};
