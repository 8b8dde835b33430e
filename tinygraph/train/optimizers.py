"""The TF1 optimizers: GradientDescent, Momentum, Adam, RMSProp, Adagrad. Each names its
hyperparameter constants, slots and update ops exactly as TF 1.15 does."""
from ..framework.graph import get_default_graph
from ..ops import training_ops
from .optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        return training_ops.apply_gradient_descent(
            var._variable, self._cast(self._learning_rate_tensor, var), grad,
            use_locking=self._use_locking).op


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._momentum_tensor = self._hyper(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        mom = self.get_slot(var, "momentum")
        return training_ops.apply_momentum(
            var._variable, mom._variable, self._cast(self._learning_rate_tensor, var), grad,
            self._cast(self._momentum_tensor, var), use_locking=self._use_locking,
            use_nesterov=self._use_nesterov).op


class AdamOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, \
            epsilon

    def _get_beta_accumulators(self):
        graph = get_default_graph()
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _create_slots(self, var_list):
        # The powers beta^t live next to the alphabetically first variable, as in TF.
        first_var = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first_var)
        self._create_non_slot_variable(self._beta2, "beta2_power", first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._beta1_t = self._hyper(self._beta1, "beta1")
        self._beta2_t = self._hyper(self._beta2, "beta2")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        beta1_power, beta2_power = self._powers(var)
        c = self._cast
        return training_ops.apply_adam(
            var._variable, self.get_slot(var, "m")._variable,
            self.get_slot(var, "v")._variable, c(beta1_power, var), c(beta2_power, var),
            c(self._lr_t, var), c(self._beta1_t, var), c(self._beta2_t, var),
            c(self._epsilon_t, var), grad, use_locking=self._use_locking).op

    def _powers(self, var):
        graph = var.graph
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _finish(self, update_ops, name_scope):
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            with graph.device(beta1_power.device):
                update_beta1 = beta1_power.assign(
                    beta1_power * self._cast(self._beta1_t, beta1_power),
                    use_locking=self._use_locking)
                update_beta2 = beta2_power.assign(
                    beta2_power * self._cast(self._beta2_t, beta2_power),
                    use_locking=self._use_locking)
        return super()._finish(list(update_ops) + [update_beta1, update_beta2], name_scope)


class RMSPropOptimizer(Optimizer):
    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        # Creation order fixes the names: rms 'w/RMSProp', (mg), momentum 'w/RMSProp_1'.
        for v in var_list:
            self._ones_slot(v, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._decay_tensor = self._hyper(self._decay, "decay")
        self._momentum_tensor = self._hyper(self._momentum, "momentum")
        self._epsilon_tensor = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        c = self._cast
        rms = self.get_slot(var, "rms")._variable
        mom = self.get_slot(var, "momentum")._variable
        hyper = [c(self._learning_rate_tensor, var), c(self._decay_tensor, var),
                 c(self._momentum_tensor, var), c(self._epsilon_tensor, var)]
        if self._centered:
            mg = self.get_slot(var, "mg")._variable
            return training_ops.apply_centered_rms_prop(
                var._variable, mg, rms, mom, *hyper, grad, use_locking=self._use_locking).op
        return training_ops.apply_rms_prop(var._variable, rms, mom, *hyper, grad,
                                           use_locking=self._use_locking).op


class AdagradOptimizer(Optimizer):
    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accumulator", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        acc = self.get_slot(var, "accumulator")._variable
        return training_ops.apply_adagrad(
            var._variable, acc, self._cast(self._learning_rate_tensor, var), grad,
            use_locking=self._use_locking).op
