"""The restaurant's clock: its settings, service hours and closures (config), the slots they
give (slots), the places orders take in them (places), and the release of scheduled orders.
"""

from .config import Config, Period, config, read_config
from .places import MOVABLE, Hold, free_slot, hold_slot, move_slot
from .release import release_due_orders
from .slots import (
    REASONS,
    Slot,
    earliest_start,
    last_day,
    next_available,
    slots,
    today,
    valid_until,
)

__all__ = [
    "MOVABLE",
    "REASONS",
    "Config",
    "Hold",
    "Period",
    "Slot",
    "config",
    "earliest_start",
    "free_slot",
    "hold_slot",
    "last_day",
    "move_slot",
    "next_available",
    "read_config",
    "release_due_orders",
    "slots",
    "today",
    "valid_until",
]
