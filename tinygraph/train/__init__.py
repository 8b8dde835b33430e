"""tf.train: optimizers, the global step, learning-rate schedules and the Saver.

This module only re-exports."""
from .checkpoint_format import update_checkpoint_state
from .optimizer import Optimizer
from .optimizers import (AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
                         MomentumOptimizer, RMSPropOptimizer)
from .saver import (NewCheckpointReader, Saver, checkpoint_exists, get_checkpoint_state,
                    latest_checkpoint, list_variables, load_checkpoint, load_variable,
                    remove_checkpoint)
from .training_util import (assert_global_step, create_global_step, exponential_decay,
                            get_global_step, get_or_create_global_step, global_step)
