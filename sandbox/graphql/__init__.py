"""The platform's GraphQL API (Hasura's, as the official SDK queries it): spec/wallaroo.graphql
executed with graphql-core over the sandbox's store, at POST /v1/graphql (operation `graphql`).

schema builds the executable schema from the packaged SDL; rows shows store entities as
Hasura rows (relationships resolved lazily); filters applies `where`, `order_by`, `limit`,
`offset` and `distinct_on`; resolvers binds the root fields; http serves the operation.
"""
