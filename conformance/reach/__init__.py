"""The reach phase: every planned operation called once, in dependency order, with ids carried by
the spec's links from earlier success answers, so every operation's success answer gets checked.
`order` (which operation when, what to poll) and `requests` (what to send) are plain spec data;
`walk` runs it through schemathesis's cases and checks."""
