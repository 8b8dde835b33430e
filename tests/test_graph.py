"""Graph, Operation, Tensor, TensorShape, dtypes; op names and name scopes; variable
scopes and get_variable; Variable objects; collections; control dependencies; devices;
finalize. Names and messages are TF 1.15's."""
import numpy as np
import pytest

import tinygraph as tf


def op_names(graph=None):
    return [op.name for op in (graph or tf.get_default_graph()).get_operations()]


# ---------------------------------------------------------------- names and name scopes
def test_default_names_are_made_unique():
    a, b = tf.constant(1.0), tf.constant(2.0)
    assert (a + b).name == "add:0"
    assert (a + b).name == "add_1:0"
    assert tf.add(a, b).name == "Add_2:0"   # names are unique case-insensitively
    assert a.name == "Const:0" and b.name == "Const_1:0"
    m = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]))
    assert m.name == "MatMul:0" and m.op.name == "MatMul" and m.value_index == 0


def test_explicit_names_collide_like_tf():
    assert tf.constant(1, name="a").name == "a:0"
    assert tf.constant(1, name="A").name == "A_1:0"
    assert tf.constant(1, name="a_1").name == "a_1_1:0"   # "a_1" was taken by the suffixing
    assert tf.constant(1, name="x_1").name == "x_1:0"
    assert tf.constant(1, name="x").name == "x:0"
    assert tf.constant(1, name="x").name == "x_2:0"   # skips the taken "x_1"


def test_name_scopes():
    with tf.name_scope("a"):
        assert tf.constant(1).name == "a/Const:0"
    with tf.name_scope("a"):
        assert tf.constant(1).name == "a_1/Const:0"
    with tf.name_scope("a") as scope:
        assert scope == "a_2/"
        with tf.name_scope("b"):
            assert tf.constant(1).op.name == "a_2/b/Const"
            assert tf.get_default_graph().get_name_scope() == "a_2/b"
        with tf.name_scope(scope):   # an absolute scope ("a_2/") is reentered as is
            assert tf.constant(1).name == "a_2/Const:0"
        with tf.name_scope("top/"):
            assert tf.constant(1).name == "top/Const:0"
        with tf.name_scope(None):   # None and "" go back to the root
            assert tf.constant(1).name == "Const:0"
        with tf.name_scope(""):
            assert tf.constant(1).name == "Const_1:0"
    assert tf.constant(1, name="a").name == "a_3:0"   # op and scope names share a namespace


def test_invalid_and_duplicate_names():
    with pytest.raises(ValueError, match="'a b' is not a valid scope name"):
        with tf.name_scope("a b"):
            pass
    with pytest.raises(ValueError, match="'a b' is not a valid node name"):
        tf.constant(1.0, name="a b")
    with pytest.raises(ValueError, match="'_a' is not a valid node name"):
        tf.constant(1.0, name="_a")
    x = tf.constant(1.0, name="x")
    with pytest.raises(ValueError, match="Duplicate node name in graph: 'x'"):
        with tf.name_scope("x/") as scope:
            tf.identity(x, name=scope)
    assert tf.get_default_graph().get_operation_by_name("x") is x.op


def test_name_scope_with_default_name_and_values():
    x = tf.constant(1.0)
    with tf.name_scope(None, "default", [x]) as scope:
        assert scope == "default/"
    with tf.name_scope("given", "default", [x]) as scope:
        assert scope == "given/"
    g = tf.Graph()
    with g.as_default():
        y = tf.constant(2.0)
    # The scope belongs to the graph of the values, not the default graph.
    with tf.name_scope(None, "other", [y]) as scope:
        assert scope == "other/"
        assert g.get_name_scope() == "other"
        assert tf.get_default_graph().get_name_scope() == ""


def test_operation_by_name_and_tensor_by_name():
    g = tf.get_default_graph()
    x = tf.constant(1.0, name="x")
    assert g.get_operation_by_name("x") is x.op
    assert g.get_tensor_by_name("x:0") is x
    assert g.as_graph_element("x:0") is x and g.as_graph_element("x") is x.op
    with pytest.raises(KeyError, match="The name 'nope' refers to an Operation not in the "
                                       "graph."):
        g.get_operation_by_name("nope")
    with pytest.raises(ValueError, match="'nope:0' appears to refer to a Tensor, not a"):
        g.get_operation_by_name("nope:0")
    with pytest.raises(KeyError, match="The name 'nope:0' refers to a Tensor which does not "
                                       "exist. The operation, 'nope', does not exist in the "
                                       "graph."):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError, match="The operation, 'x', exists but only has 1 outputs."):
        g.get_tensor_by_name("x:3")
    with pytest.raises(ValueError, match="The name 'x' refers to an Operation, not a Tensor."):
        g.get_tensor_by_name("x")
    with pytest.raises(ValueError, match="looks like an \\(invalid\\) Operation name"):
        g.get_tensor_by_name("nope")


def test_tensor_and_operation_properties():
    g = tf.get_default_graph()
    p = tf.placeholder(tf.float32, [None, 2], name="P")
    assert p.op.type == "Placeholder" and p.op.name == "P" and p.graph is g
    assert p.op.outputs == [p] and tuple(p.op.inputs) == () and p.consumers() == []
    q = p * 2.0
    assert [o.name for o in p.consumers()] == ["mul"]
    assert [t.name for t in q.op.inputs] == ["P:0", "mul/y:0"]   # as TF names the constant
    assert q.op.type == "Mul" and q.dtype == tf.float32
    assert q.shape.as_list() == [None, 2] and q.get_shape().as_list() == [None, 2]
    assert repr(p) == "<tf.Tensor 'P:0' shape=(?, 2) dtype=float32>"
    assert str(q) == 'Tensor("mul:0", shape=(?, 2), dtype=float32)'
    q.set_shape([5, 2])
    assert q.shape.as_list() == [5, 2]
    with pytest.raises(ValueError):
        q.set_shape([4, 2])
    with pytest.raises(TypeError, match="as a Python `bool` is not allowed"):
        bool(q)
    with pytest.raises(TypeError, match="len is not well defined"):
        len(q)
    assert g.get_operations() == [p.op, q.op.inputs[1].op, q.op]


def test_ops_from_different_graphs_do_not_mix():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
        assert tf.get_default_graph() is g1
        assert a.name == "Const:0"   # each graph names independently
    with g2.as_default():
        b = tf.constant(1.0)
        assert b.name == "Const:0"
        with pytest.raises(ValueError, match="must be from the same graph"):
            tf.add(b, a)
    assert tf.get_default_graph() is not g1
    assert a.graph is g1 and b.graph is g2


def test_reset_default_graph():
    old = tf.get_default_graph()
    tf.constant(1.0)
    tf.reset_default_graph()
    assert tf.get_default_graph() is not old
    assert tf.constant(1.0).name == "Const:0"
    with tf.Graph().as_default():
        with pytest.raises(AssertionError):
            tf.reset_default_graph()


def test_finalize():
    g = tf.get_default_graph()
    x = tf.constant(1.0)
    g.finalize()
    assert g.finalized
    with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified."):
        tf.constant(2.0)
    with pytest.raises(RuntimeError):
        x + 1.0
    with pytest.raises(RuntimeError):
        tf.Variable(1.0)
    n = len(g.get_operations())
    with tf.Session() as sess:   # a finalized graph still runs
        assert sess.run(x) == 1.0
    assert len(g.get_operations()) == n


# ---------------------------------------------------------------- control deps, devices
def test_control_dependencies_record_inputs():
    a = tf.constant(1.0, name="a")
    with tf.control_dependencies([a]):
        b = tf.constant(2.0, name="b")
        c = tf.identity(a, name="c")   # a is a data input already: no control edge
        with tf.control_dependencies(None):   # clears the outer dependencies
            d = tf.constant(3.0, name="d")
        with tf.control_dependencies([b.op]):   # nested: both
            e = tf.constant(4.0, name="e")
    f = tf.constant(5.0)
    assert b.op.control_inputs == [a.op]
    assert c.op.control_inputs == [] and d.op.control_inputs == []
    assert [o.name for o in e.op.control_inputs] == ["a", "b"]
    assert f.op.control_inputs == []
    with pytest.raises(TypeError):
        with tf.control_dependencies([1]):
            pass


def test_assign_inside_control_dependencies_runs_before_read():
    v = tf.Variable(0.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        read = v.read_value()
        doubled = tf.identity(v.read_value() * 2.0)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(read) == 1.0    # the assign ran first in the same run
        assert sess.run(read) == 2.0
        assert sess.run(doubled) == 6.0
        assert sess.run(v) == 3.0       # fetching v alone runs no assign
        assert sess.run(v) == 3.0


def test_group_and_no_op_run_their_dependencies():
    v = tf.Variable(1.0)
    w = tf.Variable(10.0)
    step = tf.group(tf.assign_add(v, 1.0), tf.assign_sub(w, 1.0).op)
    assert step.type == "NoOp" and step.name == "group_deps"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(step) is None
        assert sess.run([v, w]) == [2.0, 9.0]


def test_device_recorded_on_ops():
    with tf.device("/cpu:0"):
        a = tf.constant(1.0)
        with tf.device("/device:GPU:1"):
            b = tf.constant(1.0)
        with tf.device(None):
            c = tf.constant(1.0)
        v = tf.Variable(1.0)
    d = tf.constant(1.0)
    assert a.device == a.op.device == "/device:CPU:0"
    assert b.device == "/device:GPU:1"
    assert c.device == "" and d.device == ""
    assert v.device == "/device:CPU:0"
    with tf.Session() as sess:   # the device is a record; the session still runs it
        sess.run(v.initializer)
        assert sess.run(a + b + v) == 3.0


# ---------------------------------------------------------------- collections
def test_collections():
    tf.add_to_collection("c", 1)
    tf.add_to_collection("c", 2)
    tf.add_to_collections(["c", "d"], 3)
    assert tf.get_collection("c") == [1, 2, 3] and tf.get_collection("d") == [3]
    assert tf.get_collection("missing") == []
    got = tf.get_collection("c")
    got.append(99)   # a copy
    assert tf.get_collection("c") == [1, 2, 3]
    ref = tf.get_collection_ref("c")
    ref.append(4)    # the list itself
    assert tf.get_collection("c") == [1, 2, 3, 4]
    assert set(tf.get_default_graph().get_all_collection_keys()) == {"c", "d"}


def test_variable_collections_and_scope_filter():
    with tf.variable_scope("s1"):
        v1 = tf.get_variable("v", [1])
    with tf.variable_scope("s2"):
        v2 = tf.get_variable("v", [1], trainable=False)
    with tf.variable_scope("s12"):
        v3 = tf.get_variable("v", [1])
    local = tf.Variable(0, collections=[tf.GraphKeys.LOCAL_VARIABLES], name="local",
                        trainable=False)
    assert tf.global_variables() == [v1, v2, v3]
    assert tf.trainable_variables() == [v1, v3]
    assert tf.local_variables() == [local]
    assert tf.global_variables("s1") == [v1, v3]   # a regex matched at the start
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "s2") == [v2]
    assert tf.trainable_variables("s2") == []
    assert tf.GraphKeys.VARIABLES == tf.GraphKeys.GLOBAL_VARIABLES == "variables"


# ---------------------------------------------------------------- Variable objects
def test_variable_op_names_and_properties():
    w = tf.Variable(tf.zeros([2]), name="w")
    assert op_names()[-4:] == ["zeros", "w", "w/Assign", "w/read"]
    assert w.name == "w:0" and w.op.name == "w" and w.op.type == "VariableV2"
    assert w.initializer.name == "w/Assign" and w.initializer.type == "Assign"
    assert w.initial_value.name == "zeros:0"
    assert w.value().name == "w/read:0"
    assert w.read_value().name == "read:0"
    assert w.dtype == tf.float32 and w.shape.as_list() == [2] and w.trainable
    assert repr(w) == "<tf.Variable 'w:0' shape=(2,) dtype=float32_ref>"
    v = tf.Variable(3.0)
    assert op_names()[-4:] == ["Variable/initial_value", "Variable", "Variable/Assign",
                               "Variable/read"]
    assert v.initial_value.name == "Variable/initial_value:0"
    with tf.name_scope("ns"):
        assert tf.Variable(1.0, name="z").name == "ns/z:0"
    f = tf.Variable(lambda: tf.ones([2]), name="f")
    assert f.initial_value.name == "f/Initializer/ones:0"
    assert tf.Variable(np.float64(1.0)).dtype == tf.float64
    assert tf.Variable(1).dtype == tf.int32
    assert tf.Variable([1.0], dtype=tf.float64).dtype == tf.float64


def test_variable_construction_errors():
    with pytest.raises(ValueError, match="initial_value must be specified."):
        tf.Variable()
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="initial_value must have a shape specified"):
        tf.Variable(x)
    assert tf.Variable(x, validate_shape=False).shape.ndims is None


def test_variable_created_inside_control_dependencies_has_none():
    a = tf.constant(1.0)
    with tf.control_dependencies([a]):
        v = tf.Variable(2.0)
    assert v.initializer.control_inputs == [] and v.op.control_inputs == []


def test_variable_assign_ops_and_values():
    v = tf.Variable([1.0, 2.0], name="w")
    ops = [v.assign([3.0, 4.0]), tf.assign(v, [5.0, 6.0]), v.assign_add([1.0, 1.0]),
           tf.assign_sub(v, [1.0, 1.0]), tf.assign_add(v, [1.0, 1.0])]
    assert [t.name for t in ops] == ["Assign:0", "Assign_1:0", "AssignAdd:0", "AssignSub:0",
                                     "AssignAdd_1:0"]
    assert ops[0].op.inputs[1].op.name == "Assign/value"
    with pytest.raises(ValueError, match="'Assign_2'"):
        v.assign([1.0])
    with pytest.raises((TypeError, ValueError)):
        v.assign(["a", "b"])
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(v), [1, 2])
        np.testing.assert_array_equal(sess.run(ops[2]), [2, 3])     # returns the new value
        np.testing.assert_array_equal(sess.run(v), [2, 3])
        np.testing.assert_array_equal(sess.run(ops[3]), [1, 2])
        np.testing.assert_array_equal(sess.run(ops[0]), [3, 4])
        assert sess.run(v.assign([7.0, 7.0], read_value=False)) is None
        np.testing.assert_array_equal(sess.run(v), [7, 7])
        v.load([9.0, 8.0], sess)
        np.testing.assert_array_equal(sess.run(v), [9, 8])
        with pytest.raises(ValueError, match="Cannot feed value of shape \\(1,\\)"):
            v.load([9.0], sess)
        with sess.as_default():
            np.testing.assert_array_equal(v.eval(), [9, 8])
            v.load([0.5, 0.5])
        np.testing.assert_array_equal(sess.run(v.read_value()), [0.5, 0.5])
    with pytest.raises(ValueError, match="No default session"):
        v.eval()


def test_variables_initializer_and_trainable_flag():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b", trainable=False)
    c = tf.Variable(3.0, name="c")
    assert b not in tf.trainable_variables() and b in tf.global_variables()
    init_ab = tf.variables_initializer([a, b])
    assert init_ab.name == "init" and init_ab.type == "NoOp"
    assert tf.global_variables_initializer().name == "init_1"
    with tf.Session() as sess:
        sess.run(init_ab)
        assert sess.run([a, b]) == [1.0, 2.0]
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value c"):
            sess.run(c)
        assert list(sess.run(tf.report_uninitialized_variables())) == ["c"]
        assert not sess.run(tf.is_variable_initialized(c))
        assert sess.run(tf.is_variable_initialized(a))
        sess.run(tf.variables_initializer([]))   # an empty list is a no-op
        sess.run(a.assign(5.0))
        sess.run(init_ab)   # running an initializer again resets the value
        assert sess.run(a) == 1.0


def test_initialized_value_chains_random_initializers():
    w = tf.Variable(tf.random_normal([3]), name="w")
    w2 = tf.Variable(w.initialized_value() * 2.0, name="w2")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b = sess.run([w, w2])
        np.testing.assert_array_equal(b, 2.0 * a)   # one draw, seen by both
        sess.run(w2.initializer)   # later: reads w's current value
        np.testing.assert_array_equal(sess.run(w2), 2.0 * a)


def test_variable_in_arithmetic_and_gradients():
    w = tf.Variable([[1.0, 2.0]], name="w")
    y = tf.reduce_sum(w * w + 1.0)
    g = tf.gradients(y, w)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(g), [[2.0, 4.0]])
        assert sess.run(y) == 7.0


# ---------------------------------------------------------------- variable scopes
def test_get_variable_names_and_initializer_ops():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [2, 3])
        assert tf.constant(1).name == "foo/Const:0"
    assert v.name == "foo/v:0"
    assert op_names()[:10] == [
        "foo/v/Initializer/random_uniform/shape", "foo/v/Initializer/random_uniform/min",
        "foo/v/Initializer/random_uniform/max", "foo/v/Initializer/random_uniform/RandomUniform",
        "foo/v/Initializer/random_uniform/sub", "foo/v/Initializer/random_uniform/mul",
        "foo/v/Initializer/random_uniform", "foo/v", "foo/v/Assign", "foo/v/read"]


def test_get_variable_reuse():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [2, 3])
    with tf.variable_scope("foo", reuse=True):
        assert tf.get_variable("v", [2, 3]) is v
        assert tf.get_variable("v") is v   # shape may be omitted when reusing
        assert tf.constant(1).name == "foo_1/Const:0"   # name scope reentered as foo_1
    with tf.variable_scope("foo") as scope:
        with pytest.raises(ValueError) as e:
            tf.get_variable("v", [2, 3])
        assert str(e.value).startswith(
            "Variable foo/v already exists, disallowed. Did you mean to set reuse=True or "
            "reuse=tf.AUTO_REUSE in VarScope?")
        assert "test_graph.py" in str(e.value)   # where the original was defined
        scope.reuse_variables()
        assert tf.get_variable_scope().reuse is True
        assert tf.get_variable("v") is v
    assert tf.get_variable_scope().reuse is False
    with pytest.raises(ValueError, match="Variable bar/q does not exist, or was not created "
                                         "with tf.get_variable\\(\\). Did you mean to set "
                                         "reuse=tf.AUTO_REUSE in VarScope\\?"):
        with tf.variable_scope("bar", reuse=True):
            tf.get_variable("q", [1])
    with pytest.raises(ValueError, match="Trying to share variable foo/v, but specified shape "
                                         "\\(3, 3\\) and found shape \\(2, 3\\)."):
        with tf.variable_scope("foo", reuse=True):
            tf.get_variable("v", [3, 3])
    with pytest.raises(ValueError, match="dtype"):
        with tf.variable_scope("foo", reuse=True):
            tf.get_variable("v", [2, 3], dtype=tf.float64)
    assert len(tf.global_variables()) == 1


def test_auto_reuse():
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a1 = tf.get_variable("a", [1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a2 = tf.get_variable("a", [1])
        b = tf.get_variable("b", [1])   # created when missing
    assert a1 is a2 and a1.name == "auto/a:0" and b.name == "auto/b:0"
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("inner"):   # inherited by sub-scopes
            assert tf.get_variable_scope().reuse is tf.AUTO_REUSE
            c = tf.get_variable("c", [1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("inner"):
            assert tf.get_variable("c", [1]) is c


def test_auto_reuse_with_default_names_shares_across_calls():
    """A model function called twice under AUTO_REUSE reuses its default-named scopes:
    their counts restart each time the enclosing scope is entered, as in TF."""
    def model():
        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            with tf.variable_scope(None, default_name="dense"):
                w1 = tf.get_variable("w", [1])
            with tf.variable_scope(None, default_name="dense"):
                w2 = tf.get_variable("w", [1])
        return w1, w2
    first, second = model(), model()
    assert first == second
    assert [v.name for v in tf.global_variables()] == ["model/dense/w:0", "model/dense_1/w:0"]


def test_nested_and_default_name_scopes():
    with tf.variable_scope("outer"):
        with tf.variable_scope("inner") as inner:
            x = tf.get_variable("x", [1])
            assert tf.constant(0).name == "outer/inner/Const:0"
            assert tf.get_variable_scope().name == "outer/inner"
            assert inner.original_name_scope == "outer/inner/"
        with tf.name_scope("ns"):   # name scopes do not prefix get_variable names
            y = tf.get_variable("y", [1])
            z = tf.Variable(1.0, name="z")   # but they do prefix tf.Variable names
    assert (x.name, y.name, z.name) == ("outer/inner/x:0", "outer/y:0", "outer/ns/z:0")
    with tf.variable_scope(None, default_name="dflt"):
        assert tf.get_variable("x", [1]).name == "dflt/x:0"
    with tf.variable_scope(None, default_name="dflt"):
        assert tf.get_variable("x", [1]).name == "dflt_1/x:0"
    with tf.variable_scope("a/b") as ab:
        assert tf.constant(1).name == "a/b/Const:0"
        assert tf.get_variable("k", [1]).name == "a/b/k:0"
    assert ab.name == "a/b"
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with tf.variable_scope(None, default_name="q", reuse=True):
            pass
    with pytest.raises(TypeError):
        with tf.variable_scope(None):
            pass


def test_reopening_a_scope_object():
    with tf.variable_scope("foo") as foo:
        v = tf.get_variable("v", [1])
    with tf.variable_scope("other"):
        with tf.variable_scope(foo, reuse=True) as reopened:
            # The variable scope is foo itself; the name scope is a new one, named after
            # it but inside the current name scope; original_name_scope is foo's.
            assert reopened.name == "foo"
            assert tf.get_variable("v") is v
            assert tf.constant(1).name == "other/foo/Const:0"
            assert reopened.original_name_scope == "foo/"
    with tf.variable_scope(foo):
        assert tf.constant(1).name == "foo_1/Const:0"
        with pytest.raises(ValueError, match="already exists"):   # foo's own reuse: False
            tf.get_variable("v", [1])
    foo.reuse_variables()
    with tf.variable_scope(foo):
        assert tf.get_variable("v") is v
    with tf.variable_scope(foo, auxiliary_name_scope=False) as same:
        assert tf.constant(1).name == "Const:0"   # no new name scope
        assert same.original_name_scope == "foo/"


def test_variable_scope_reuse_false_inherits():
    with tf.variable_scope("r", reuse=True):
        with tf.variable_scope("inner", reuse=False) as s:
            assert s.reuse is True   # TF1: reuse cannot be switched off in a sub-scope


def test_variable_scope_initializer_and_dtype_are_inherited():
    with tf.variable_scope("s", initializer=tf.constant_initializer(2.5), dtype=tf.float64):
        with tf.variable_scope("t"):
            v = tf.get_variable("v", [2])
        w = tf.get_variable("w", [1], initializer=tf.zeros_initializer())
        i = tf.get_variable("i", [1], dtype=tf.int32, initializer=tf.zeros_initializer())
    assert v.dtype == tf.float64 and i.dtype == tf.int32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(v), [2.5, 2.5])
        assert sess.run(w).tolist() == [0.0] and sess.run(i).tolist() == [0]


def test_get_variable_with_value_initializer_and_errors():
    c = tf.get_variable("c", initializer=tf.constant([1.0, 2.0]))
    assert c.shape.as_list() == [2]
    n = tf.get_variable("n", initializer=np.array([[3, 4]], np.int64))
    assert n.dtype == tf.int64 and n.shape.as_list() == [1, 2]
    with pytest.raises(ValueError, match="must be fully defined"):
        tf.get_variable("u")
    with pytest.raises(ValueError, match="must be fully defined"):
        tf.get_variable("u2", [None, 2])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(c), [1, 2])
        np.testing.assert_array_equal(sess.run(n), [[3, 4]])


def test_get_variable_regularizer_collects_loss():
    with tf.variable_scope("reg", regularizer=lambda w: tf.reduce_sum(w * w)):
        v = tf.get_variable("v", initializer=tf.constant([3.0, 4.0]))
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(losses[0]) == 25.0


# ---------------------------------------------------------------- TensorShape, dtypes
def test_tensor_shape():
    s = tf.TensorShape([None, 3])
    assert str(s) == "(?, 3)" and s.ndims == 2 and s.as_list() == [None, 3]
    assert not s.is_fully_defined() and s.num_elements() is None
    assert s[1].value == 3 and s[0].value is None and s[1] == 3
    assert tf.TensorShape([2, 3]).num_elements() == 6
    assert s.is_compatible_with([5, 3]) and not s.is_compatible_with([5, 4])
    assert not s.is_compatible_with([5, 3, 1])
    assert s.merge_with([5, None]).as_list() == [5, 3]
    assert s.concatenate([7]).as_list() == [None, 3, 7]
    assert str(tf.TensorShape(None)) == "<unknown>" and tf.TensorShape(None).ndims is None
    assert str(tf.TensorShape([])) == "()" and str(tf.TensorShape([4])) == "(4,)"
    assert tf.TensorShape([1, 3]) == [1, 3]
    assert s[1:].as_list() == [3]
    with pytest.raises(ValueError, match="are not compatible"):
        s.merge_with([5, 4])
    with pytest.raises(ValueError, match="as_list\\(\\) is not defined on an unknown"):
        tf.TensorShape(None).as_list()
    with pytest.raises(ValueError, match="must have rank 3"):
        s.with_rank(3)
    assert tf.TensorShape(None).is_compatible_with([1, 2, 3])


def test_dimension():
    assert tf.Dimension(3) == 3 and tf.Dimension(3) != 4
    assert tf.Dimension(None).__eq__(3) is None   # unknown compares as unknown
    assert (tf.Dimension(3) + 1).value == 4 and (tf.Dimension(None) + 1).value is None
    assert str(tf.Dimension(None)) == "?" and int(tf.Dimension(5)) == 5
    with pytest.raises(ValueError):
        tf.Dimension(-1)


def test_dtypes():
    assert tf.float32.is_floating and not tf.int32.is_floating and tf.int32.is_integer
    assert tf.bool.is_bool and tf.float32.name == "float32" and repr(tf.float32) == "tf.float32"
    assert tf.as_dtype("float32") is tf.float32 and tf.as_dtype(np.float64) is tf.float64
    assert tf.as_dtype(np.dtype("int64")) is tf.int64
    assert tf.float32.as_numpy_dtype is np.float32
    assert tf.float32 == np.float32 and tf.float32 == "float32" and tf.float32 != tf.float64
    assert tf.double is tf.float64 and tf.half is tf.float16
    assert tf.int64.max == 2**63 - 1 and tf.uint8.min == 0 and tf.float32.size == 4
    assert tf.float32.base_dtype is tf.float32
    with pytest.raises(TypeError, match="Cannot convert value 'foo' to a"):
        tf.as_dtype("foo")


def test_constants_and_conversion():
    assert tf.constant(1.5).dtype == tf.float32   # Python floats are float32
    assert tf.constant(2).dtype == tf.int32
    assert tf.constant(2**40).dtype == tf.int64
    assert tf.constant(np.float64(1.0)).dtype == tf.float64   # numpy keeps its dtype
    assert tf.constant([True]).dtype == tf.bool
    assert tf.constant(1, tf.float64).dtype == tf.float64
    assert tf.constant(0.0, shape=[2, 3]).shape.as_list() == [2, 3]
    assert tf.convert_to_tensor([[1.0, 2.0]]).shape.as_list() == [1, 2]
    with pytest.raises(TypeError):
        tf.constant(1.5, tf.int32)
    with pytest.raises(ValueError, match="requested dtype float64"):
        tf.convert_to_tensor(tf.constant(1.0), tf.float64)
    with pytest.raises(ValueError, match="Too many elements provided. Needed at most 4, but "
                                         "received 6"):
        tf.constant([1, 2, 3, 4, 5, 6], shape=[2, 2])
    with pytest.raises(TypeError, match="Expected Tensor's shape: \\(2,\\), got \\(\\)."):
        tf.constant(1.0, shape=[2], verify_shape=True)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.constant(7, shape=[2])), [7, 7])
        # TF1 pads a short list with its last element.
        np.testing.assert_array_equal(sess.run(tf.constant([1, 2, 3], shape=[5])),
                                      [1, 2, 3, 3, 3])
        np.testing.assert_array_equal(sess.run(tf.constant([[1], [2]], shape=[2, 3])),
                                      [[1, 2, 2], [2, 2, 2]])
