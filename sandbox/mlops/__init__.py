"""Handlers of the Wallaroo MLOps API: users, workspaces, models, pipelines, deployments,
the inference URL (with its stand-in scoring) and the features list."""
