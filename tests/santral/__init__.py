"""Tests of the integration, with Home Assistant."""
