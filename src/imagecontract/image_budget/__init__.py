"""The image budget: how many images a run may make, counted across processes and machines."""
