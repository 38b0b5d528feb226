"""Gateways seen from both sides: what the client sent and got, against what the upstream received and sent."""
