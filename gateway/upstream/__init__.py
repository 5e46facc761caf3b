"""The upstream hop: the HTTP client (`client`), header hygiene (`headers`) and the typed
transport errors it raises (`errors`). Knows HTTP, not the contract or problem+json."""
