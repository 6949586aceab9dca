"""Tests that drive Home Assistant's frontend in Chromium."""
