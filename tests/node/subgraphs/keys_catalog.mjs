// keys scenario, "catalog" subgraph: Product with a single and a compound key,
// Employee with a nested key, a resolvable: false User reference (by email).
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

  type Query {
    topProducts: [Product!]!
    product(upc: ID!): Product
    catalogEmployees: [Employee!]!
  }

  type Product @key(fields: "upc") @key(fields: "sku brand") {
    upc: ID!
    sku: String!
    brand: String!
    name: String!
    createdBy: User
  }

  type User @key(fields: "email", resolvable: false) {
    email: String!
  }

  type Organization @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Employee @key(fields: "id organization { id }") {
    id: ID!
    organization: Organization!
    badge: String!
  }
`;

const products = [
  { upc: "1", sku: "TBL", brand: "Ikea", name: "Table", createdBy: "ada@example.com" },
  { upc: "2", sku: "CHR", brand: "Ikea", name: "Chair", createdBy: "grace@example.com" },
  { upc: "3", sku: "TBL", brand: "Muji", name: "Desk", createdBy: "linus@example.com" },
];
const badges = [
  { id: "e1", org: "o1", badge: "B-100" },
  { id: "e1", org: "o2", badge: "B-200" },
  { id: "e2", org: "o1", badge: "B-300" },
];

const employee = (b) => ({ id: b.id, organization: { id: b.org }, badge: b.badge });

export const resolvers = {
  Query: {
    topProducts: () => products,
    product: (_, { upc }) => products.find((p) => p.upc === upc) ?? null,
    catalogEmployees: () => badges.map(employee),
  },
  Product: {
    __resolveReference: (ref) =>
      ref.upc !== undefined
        ? products.find((p) => p.upc === ref.upc) ?? null
        : products.find((p) => p.sku === ref.sku && p.brand === ref.brand) ?? null,
    createdBy: (p) => ({ email: p.createdBy }),
  },
  Employee: {
    __resolveReference: (ref) => {
      const b = badges.find((x) => x.id === ref.id && x.org === ref.organization.id);
      return b ? employee(b) : null;
    },
  },
};
