"""wsgicors audit: probes, CLI, and real servers of the ecosystem."""
