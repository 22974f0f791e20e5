// errors scenario, "reviews": entity fields that fail for one entity — a
// nullable one (rating) and a non-null one (topReview), to test re-rooted error
// paths and non-null propagation.
import { GraphQLError } from "graphql";

export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Product @key(fields: "id") {
    id: ID!
    rating: Int
    topReview: Review!
  }

  type Review {
    body: String!
  }
`;

const ratings = { p2: 4, p3: 3 };
const top = { p1: "Great table", p2: "Nice chair" };

export const resolvers = {
  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    rating: (p) => {
      if (p.id === "p1") throw new GraphQLError("rating service overloaded");
      return ratings[p.id];
    },
    topReview: (p) => {
      if (!top[p.id]) throw new GraphQLError(`no reviews for ${p.id}`);
      return { body: top[p.id] };
    },
  },
};
