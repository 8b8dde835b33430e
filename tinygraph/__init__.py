"""tinygraph: TensorFlow-1-style graphs. `import tinygraph as tf` and write TF1 code.

This module only re-exports; the code lives in the layer its name says."""
from . import compat, contrib, datasets, errors, keras, layers, nn, summary, train
from .compat import tf_logging as logging
from .autodiff import gradients
from .framework.dtypes import (DType, as_dtype, bool, double, float16, float32, float64,  # noqa: A004
                               half, int8, int16, int32, int64, string, uint8)
from .framework.graph import (Graph, GraphKeys, add_to_collection, add_to_collections,
                              control_dependencies, device, get_collection,
                              get_collection_ref, get_default_graph, get_default_session,
                              name_scope, reset_default_graph)
from .framework.operation import Operation, Tensor, convert_to_tensor
from .framework.random_seed import set_random_seed
from .framework.tensor_shape import Dimension, TensorShape
from .ops.array_ops import range_ as range  # noqa: A004
from .ops.array_ops import (concat, invert_permutation, matrix_transpose, split, stack,
                            transpose, unstack)
from .ops.check_ops import Assert, check_numerics, debugging
from .ops.clip_ops import clip_by_value
from .ops.constant_ops import (constant, group, identity, no_op, placeholder,
                               placeholder_with_default, stop_gradient)
from .ops.constant_ops import tuple_ as tuple  # noqa: A004
from .ops.conditional import cond
from .ops.control_flow import while_loop
from .ops.elementwise import (abs, add, cast, ceil, cos, div, divide, elu, equal, exp,  # noqa: A004
                              floor, floordiv, floormod, greater, greater_equal, less,
                              less_equal, log, log1p, logical_and, logical_not, logical_or,
                              logical_xor, maximum, minimum, multiply, negative, not_equal, pow,
                              reciprocal, relu, round, rsqrt, sigmoid, sign, sin, softplus, sqrt,
                              square, squared_difference, subtract, tanh, to_float, to_int32,
                              to_int64, truediv, where)
from .ops.elementwise import floormod as mod
from .ops.functional_ops import foldl, foldr, map_fn, scan
from .ops.gather_ops import gather, one_hot, unsorted_segment_sum
from .ops.init_ops import (constant_initializer, glorot_normal_initializer,
                           glorot_uniform_initializer, ones_initializer,
                           random_normal_initializer, random_uniform_initializer,
                           truncated_normal_initializer, variance_scaling_initializer,
                           zeros_initializer)
from .ops.layout_ops import (expand_dims, pad, reverse, reverse_sequence, sequence_mask, squeeze,
                             tile)
from .ops.layout_ops import reverse as reverse_v2
from .ops.matmul import matmul
from .ops.random_ops import random_normal, random_uniform, truncated_normal
from .ops.reductions import (add_n, argmax, argmin, reduce_all, reduce_any, reduce_max,
                             reduce_mean, reduce_min, reduce_prod, reduce_sum)
from .ops.shape_ops import (broadcast_to, fill, ones, ones_like, rank, reshape, shape, size,
                            zeros, zeros_like)
from .ops.slicing import slice_ as slice  # noqa: A004
from .ops.slicing import strided_slice
from .ops.tensor_array import TensorArray
from .ops.variable_scope import (AUTO_REUSE, VariableScope, get_variable, get_variable_scope,
                                 variable_scope)
from .ops.variables import (Variable, assign, assign_add, assign_sub, global_variables,
                            global_variables_initializer, is_variable_initialized,
                            local_variables, local_variables_initializer, model_variables,
                            report_uninitialized_variables, trainable_variables,
                            variables_initializer)
from .session import (ConfigProto, GPUOptions, InteractiveSession, RunMetadata, RunOptions,
                      Session)

initialize_all_variables = global_variables_initializer
all_variables = global_variables
newaxis = None
