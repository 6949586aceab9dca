"""Tests of the provider simulator over real HTTP."""
