"""A faithful, stateful fake of the Bulutfon, Bulutsantralim and Telsam Yenifaks APIs."""

from .app import PREFIXES, Simulator, create_app
from .faults import Fault, FaultKind
from .state import SimulatorState

__all__ = [
    "PREFIXES",
    "Fault",
    "FaultKind",
    "Simulator",
    "SimulatorState",
    "create_app",
]
