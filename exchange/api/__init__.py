"""The GraphQL adapter: Strawberry types, resolvers and loaders over the domain services."""
