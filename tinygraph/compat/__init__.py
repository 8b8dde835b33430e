"""tf.compat: `tf.compat.v1` is tinygraph itself, which already is the TF1 API, so the
TF 1.13+ spelling `tf.compat.v1.logging.set_verbosity(...)` runs unchanged."""
import sys

from . import tf_logging

# The package importing us is still initialising; it is the same module object, so its
# names (logging included) are there once `import tinygraph` finishes.
v1 = sys.modules[__name__.rpartition(".")[0]]
