"""Tests of the Home Assistant-free client library against the simulator."""
