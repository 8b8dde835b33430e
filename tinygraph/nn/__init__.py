"""tf.nn: re-exports only; the ops live in tinygraph/ops (nn_ops, xent_ops, elementwise)."""
from ..ops.elementwise import elu, relu, sigmoid, softplus, tanh  # noqa: F401
from ..ops.nn_ops import (bias_add, dropout, embedding_lookup, in_top_k, l2_loss,  # noqa: F401
                          leaky_relu, log_softmax, relu6, selu, softmax, softsign, xw_plus_b)
from ..ops.xent_ops import (sigmoid_cross_entropy_with_logits,  # noqa: F401
                            softmax_cross_entropy_with_logits,
                            softmax_cross_entropy_with_logits_v2,
                            sparse_softmax_cross_entropy_with_logits)
from . import rnn_cell  # noqa: F401
from .recurrent import (bidirectional_dynamic_rnn, dynamic_rnn,  # noqa: F401
                        static_bidirectional_rnn, static_rnn)
