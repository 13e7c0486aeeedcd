"""The sandbox gateway: a real HTTP(S) server with its own SQLite file that implements bhxh-gw/1 and checks
what the real gateway checks. Run it with ``bhxh-desk sandbox``."""
