"""Tests of the Santral integration, its provider clients and the simulator."""
