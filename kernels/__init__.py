"""Hand-written OpenCL C sources, installed as the package tinygraph.kernels."""
