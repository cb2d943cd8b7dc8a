// BGPWire: the BGP-4 message codec. Filled in by the codec files of this target.
