"""The WeFact/HostFact connection: settings, products."""
