"""The GraphQL phase of a run: when the contract names a GraphQL schema (`x-mlops-graphql-schema`
on an operation), its root fields are fuzzed too, after the OpenAPI phases, with the same
credentials, collector, reports and exit status. `plan` decides which root fields run, `scalars`
generates the SDL's custom scalars from the spec, `schema` builds the schemathesis schema."""
