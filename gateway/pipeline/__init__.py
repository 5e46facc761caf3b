"""The request pipeline: the stages one proxied request goes through, one module each, in order.

`handler` is the edge that runs them and renders every failure as problem+json:
1. `identify`: match the operation in the contract (404/405) and the team by its key (401);
2. `request_check`: read the body (`client_body`, `multipart`) and check it by the route's policy;
3. `forward`: swap in the upstream credentials and send it through the route's upstream client;
4. `response_check`: check the answer by policy and size, and relay it (in one piece or streamed);
5. `accounting`: metrics, the drift report and one log line.
`exchange` is what a request accumulates on the way; `routes` binds operations to upstreams.
"""
