"""A faithful, stateful fake of the Bulutfon, Bulutsantralim and Telsam Yenifaks APIs."""

from .app import PREFIXES, Simulator, create_app
from .calls import CallSpec, SimulatedCall, WebhookDelivery
from .faults import Fault, FaultKind
from .faxes import SimulatedFax
from .state import SimulatorState

__all__ = [
    "PREFIXES",
    "CallSpec",
    "Fault",
    "FaultKind",
    "SimulatedCall",
    "SimulatedFax",
    "Simulator",
    "SimulatorState",
    "WebhookDelivery",
    "create_app",
]
