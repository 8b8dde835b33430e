"""tf.train.Saver: saves and restores variables through the session's variable state.

It adds no ops to the graph (so it works on a finalized graph): save reads the values
with session._read_variables and writes a checkpoint with checkpoint_format; restore
reads and checks every value first and then writes them all with
session._write_variables, so a failed restore changes no variable. Checkpoints hold
arrays only (never pickles)."""
import os
import time

from ..framework import errors
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.operation import Tensor
from ..ops.variables import Variable
from . import checkpoint_format as ckpt
from .training_util import global_step as _global_step_value

SAVEABLE_OBJECTS = "saveable_objects"


class _InvalidCheckpointError(errors.NotFoundError, ValueError):
    """TF 1.15 raises ValueError for a save_path that is no checkpoint; it is also a
    NotFoundError so code catching either works."""


def _variable_name(var):
    if isinstance(var, Variable):
        return var.op.name
    if isinstance(var, Tensor) and var.op.type == "VariableV2":
        return var.op.name
    raise TypeError(f"Variable to save is not a Variable: {var}")


def _names_to_variables(var_list):
    """{checkpoint key: Variable or VariableV2 tensor}, checked like TF's op_list_to_dict."""
    names, seen = {}, set()
    if isinstance(var_list, dict):
        items = list(var_list.items())
        for key, _ in items:
            if not isinstance(key, str):
                raise TypeError(f"Variable names in var_list must be strings: {key!r}")
    else:
        if not isinstance(var_list, (list, tuple, set)):
            var_list = [var_list]
        items = [(None, v) for v in sorted(var_list, key=lambda v: v.name)]
    for key, var in items:
        op_name = _variable_name(var)
        key = op_name if key is None else key
        if op_name in seen:
            raise ValueError(f"The same saveable will be restored with two names: {key}"
                             if isinstance(var_list, dict) else
                             f"At least two variables have the same name: {key}")
        if key in names:
            raise ValueError(f"At least two variables have the same name: {key}")
        seen.add(op_name)
        names[key] = var
    return names


def _shape_str(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


class Saver:
    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None,
                 restore_sequentially=False, saver_def=None, builder=None, defer_build=False,
                 allow_empty=False, write_version=2, pad_step_numbers=False,
                 save_relative_paths=False, filename=None):
        if defer_build and var_list:
            raise ValueError("If `var_list` is provided then build cannot be deferred. Either "
                             "set defer_build=False or var_list=None.")
        if write_version not in (1, 2):
            raise ValueError(f"Unsupported write_version: {write_version}")
        self._var_list = var_list
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._next_keep_time = time.time() + keep_checkpoint_every_n_hours * 3600
        self._name = name
        self._allow_empty = allow_empty
        self._pad_step_numbers = pad_step_numbers
        self._save_relative_paths = save_relative_paths
        self._filename = filename
        self._last_checkpoints = []   # [(prefix, time)], oldest first
        self._is_built = False
        self._graph = None
        if not defer_build:
            self.build()

    def build(self):
        if self._is_built:
            return
        graph = get_default_graph()
        var_list = self._var_list
        if var_list is None:
            var_list = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + \
                graph.get_collection(SAVEABLE_OBJECTS)
        self._names_to_vars = _names_to_variables(var_list)
        if not self._names_to_vars and not self._allow_empty:
            raise ValueError("No variables to save")
        self._graph = next((v.graph for v in self._names_to_vars.values()), graph)
        self._is_built = True

    # --- checkpoint bookkeeping ---
    @property
    def last_checkpoints(self):
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        if not isinstance(last_checkpoints, list):
            raise AssertionError("last_checkpoints must be a list")
        self._last_checkpoints = [(p, None) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        if not isinstance(last_checkpoints_with_time, list):
            raise AssertionError("last_checkpoints_with_time must be a list")
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths):
        """Takes over checkpoints written before (e.g. by a previous process)."""
        paths = [p for p in checkpoint_paths if ckpt.checkpoint_exists(p)]
        self.set_last_checkpoints_with_time([(p, time.time()) for p in paths])

    def _record(self, path):
        """Adds `path` as the newest checkpoint; returns the checkpoints to delete."""
        if not self._max_to_keep:
            return []
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, time.time()))
        doomed = []
        while len(self._last_checkpoints) > self._max_to_keep:
            p, t = self._last_checkpoints.pop(0)
            # keep_checkpoint_every_n_hours: one checkpoint per period survives.
            if self._keep_every_n_hours and t is not None and t > self._next_keep_time:
                self._next_keep_time += self._keep_every_n_hours * 3600
                continue
            doomed.append(p)
        return doomed

    # --- save and restore ---
    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        if not self._is_built:
            self.build()
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fspath(save_path)
        if global_step is not None:
            if isinstance(global_step, (Tensor, Variable, str)):
                global_step = _global_step_value(sess, global_step)
            step = "{:08d}".format(int(global_step)) if self._pad_step_numbers \
                else "%d" % int(global_step)
            prefix = f"{save_path}-{step}"
        else:
            prefix = save_path
            if os.path.basename(save_path) == latest_filename:
                raise ValueError(f"'latest_filename' collides with 'save_path': "
                                 f"'{latest_filename}' and '{save_path}'")
        self._check_session(sess)
        save_dir = os.path.dirname(save_path)
        if save_dir and not os.path.isdir(save_dir):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        if not self._names_to_vars:
            return None
        by_op = sess._read_variables([_variable_name(v) for v in
                                      self._names_to_vars.values()])
        values = {key: by_op[_variable_name(v)] for key, v in self._names_to_vars.items()}
        ckpt.write_checkpoint(prefix, values)
        if write_state:
            doomed = self._record(prefix)
            # The state file lists paths relative to save_dir when they lie inside it,
            # so save_relative_paths needs nothing more here.
            ckpt.update_checkpoint_state(save_dir, prefix, self.last_checkpoints,
                                         latest_filename=latest_filename)
            for p in doomed:
                self._delete(p, meta_graph_suffix)
        return prefix

    @staticmethod
    def _delete(prefix, meta_graph_suffix):
        try:
            ckpt.remove_checkpoint(prefix)
        except OSError:
            pass   # TF only logs a failed deletion
        meta = f"{prefix}.{meta_graph_suffix}"
        if os.path.exists(meta):
            os.remove(meta)

    def restore(self, sess, save_path):
        if not self._is_built:
            self.build()
        if not self._names_to_vars:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        self._check_session(sess)
        if not ckpt.checkpoint_exists(save_path):
            raise _InvalidCheckpointError(
                None, None, f"The passed save_path is not a valid checkpoint: {save_path}")
        reader = ckpt.CheckpointReader(save_path)
        new_values = {}
        for key, var in self._names_to_vars.items():
            if not reader.has_tensor(key):
                raise errors.NotFoundError(
                    None, None,
                    "Restoring from checkpoint failed. This is most likely due to a Variable "
                    "name or other graph key that is missing from the checkpoint. Please "
                    "ensure that you have not altered the graph expected based on the "
                    f"checkpoint. Original error:\n\nKey {key} not found in checkpoint")
            value = reader.get_tensor(key)
            new_values[_variable_name(var)] = self._checked(key, var, value)
        sess._write_variables(new_values)

    @staticmethod
    def _checked(key, var, value):
        dtype = var.dtype.base_dtype
        intro = ("Restoring from checkpoint failed. This is most likely due to a mismatch "
                 "between the current graph and the graph from the checkpoint. Please "
                 "ensure that you have not altered the graph expected based on the "
                 "checkpoint. Original error:\n\n")
        if value.dtype != dtype.as_numpy_dtype:
            raise errors.InvalidArgumentError(
                None, None, f"{intro}tensor_name = {key}; expected dtype {dtype.name} does "
                            f"not equal original dtype {value.dtype.name} (variable "
                            f"'{_variable_name(var)}')")
        if not var.shape.is_compatible_with(value.shape):
            raise errors.InvalidArgumentError(
                None, None, f"{intro}Assign requires shapes of both tensors to match. lhs "
                            f"shape= {_shape_str(var.shape.as_list())} rhs shape= "
                            f"{_shape_str(value.shape)} (variable '{_variable_name(var)}', "
                            f"checkpoint key '{key}')")
        return value

    def _check_session(self, sess):
        if not hasattr(sess, "_read_variables"):
            raise TypeError(f"'sess' must be a Session; {sess}")
        if self._graph is not None and sess.graph is not self._graph:
            raise ValueError("The Saver's variables are not in the session's graph: create "
                             "the Saver in the graph the session runs.")

    def as_saver_def(self):
        raise NotImplementedError("tinygraph's Saver has no SaverDef (it adds no graph ops)")

    def export_meta_graph(self, *args, **kwargs):
        raise NotImplementedError("tinygraph does not export meta graphs yet")


latest_checkpoint = ckpt.latest_checkpoint
get_checkpoint_state = ckpt.get_checkpoint_state
checkpoint_exists = ckpt.checkpoint_exists


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=2,
                      meta_graph_suffix="meta"):
    ckpt.remove_checkpoint(checkpoint_prefix)
    meta = f"{checkpoint_prefix}.{meta_graph_suffix}"
    if os.path.exists(meta):
        os.remove(meta)


def NewCheckpointReader(filepattern):  # noqa: N802 - TF's name
    return ckpt.CheckpointReader(filepattern)


def _resolve(ckpt_dir_or_file):
    if os.path.isdir(ckpt_dir_or_file):
        path = latest_checkpoint(ckpt_dir_or_file)
        if path is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {ckpt_dir_or_file}")
        return path
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file):
    return ckpt.CheckpointReader(_resolve(ckpt_dir_or_file))


def load_variable(ckpt_dir_or_file, name):
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file):
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]
