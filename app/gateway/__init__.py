"""The gateway: bhxh-desk's own documented protocol (docs/gateway-protocol.md), a client for it, and a
sandbox server that implements it. BHXH's real I-VAN interface is not public; the client is an adapter a
real endpoint can replace, and a signed file can always be exported for the gddt portal."""
