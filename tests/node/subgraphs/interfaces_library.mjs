// interfaces scenario, "library": entity interface Media @key(id) with Book and
// Movie implementations, a union, and root fields returning both.
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    library: [Media!]!
    featured: [Featured!]!
    media(id: ID!): Media
  }

  interface Media @key(fields: "id") {
    id: ID!
    title: String!
  }

  type Book implements Media @key(fields: "id") {
    id: ID!
    title: String!
    author: String!
  }

  type Movie implements Media @key(fields: "id") {
    id: ID!
    title: String!
    director: String!
  }

  union Featured = Book | Movie
`;

const items = [
  { __typename: "Book", id: "b1", title: "Dune", author: "Herbert" },
  { __typename: "Movie", id: "m1", title: "Alien", director: "Scott" },
  { __typename: "Book", id: "b2", title: "Emma", author: "Austen" },
  { __typename: "Movie", id: "m2", title: "Heat", director: "Mann" },
];
const byId = (id) => items.find((i) => i.id === id) ?? null;

export const resolvers = {
  Query: {
    library: () => items,
    featured: () => [byId("m2"), byId("b1")],
    media: (_, { id }) => byId(id),
  },
  Media: { __resolveReference: (ref) => byId(ref.id) },
  Book: { __resolveReference: (ref) => byId(ref.id) },
  Movie: { __resolveReference: (ref) => byId(ref.id) },
};
