"""What the console remembers of the network over time: each link's lag and the traffic."""
