"""The outbound use cases: registering endpoints, emitting events, delivering them."""
