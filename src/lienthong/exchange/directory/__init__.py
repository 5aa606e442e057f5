"""The network's directory: members, nodes, systems, services and grants, signed by central."""
