// Header-only: declares libFuzzer entry points for BGPWireFuzz.
