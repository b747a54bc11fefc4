"""Local stand-ins for the SaaS APIs that scimbridge provisions.

Each emulator is an ASGI application that speaks the target's HTTP API closely
enough for the gateway's connector to run unchanged against it. Users rehearse
their mappings against an emulator, and the test suite and benchmarks use one in
place of the real service. :mod:`scimbridge.emulators.faults` contains the rate
limiting and latency injection that every emulator shares.
"""
