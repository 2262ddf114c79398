"""Unit conversions used across the layers, each defined once."""

#: GJ of heat per MWh.
GJ_PER_MWH = 3.6
#: MWh per TWh.
MWH_PER_TWH = 1e6
#: tonnes per megatonne.
T_PER_MT = 1e6
