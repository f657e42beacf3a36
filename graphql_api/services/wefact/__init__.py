"""The WeFact/HostFact connection of a workspace: activation, settings, product cache."""
