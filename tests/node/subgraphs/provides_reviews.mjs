// provides scenario, "reviews": Review.author @provides(fields: "username").
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@provides"])

  type Query {
    latestReviews: [Review!]!
  }

  type Review {
    id: ID!
    body: String!
    author: User @provides(fields: "username")
  }

  type User @key(fields: "id") {
    id: ID!
    username: String @external
    reviews: [Review!]!
  }
`;

// The usernames this subgraph knows are deliberately stale ("(cached)"), so the
// answers show whether the gateway used the provided value or asked accounts.
const users = { u1: "ada (cached)", u2: "grace (cached)" };
const reviews = [
  { id: "r1", body: "Great", author: "u1" },
  { id: "r2", body: "Meh", author: "u2" },
  { id: "r3", body: "Fine", author: "u1" },
];

export const resolvers = {
  Query: { latestReviews: () => reviews },
  Review: { author: (r) => ({ id: r.author, username: users[r.author] }) },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    reviews: (u) => reviews.filter((r) => r.author === u.id),
  },
};
