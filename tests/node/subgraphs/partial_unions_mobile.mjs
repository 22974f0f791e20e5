// partial unions scenario, "mobile": Block = Text | Banner (web has Text | Video).
// Page.layout and Layout.blocks are shared with web; Page.appLayout is mobile's own.
export const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

  type Query {
    appHome: Page
    home: Page @shareable
  }

  type Page @key(fields: "id") {
    id: ID!
    layout: Layout @shareable
    appLayout: Layout
  }

  type Layout @shareable {
    blocks: [Block!]! @shareable
  }

  union Block = Text | Banner

  type Text @shareable {
    body: String
  }

  type Banner {
    image: String
  }
`;

const text = { __typename: "Text", body: "Welcome" };
const banner = { __typename: "Banner", image: "sale.png" };
const page = (blocks) => ({ id: "home", blocks });

export const resolvers = {
  Query: { appHome: () => page([text, banner]), home: () => page([text]) },
  Page: {
    __resolveReference: (ref) => (ref.id === "home" ? page([text, banner]) : null),
    layout: (p) => ({ blocks: p.blocks }),
    appLayout: () => ({ blocks: [text, banner] }),
  },
  Block: { __resolveType: (value) => value.__typename },
};
