"""The population registry (dân cư): one record per person, keyed by personal number."""
