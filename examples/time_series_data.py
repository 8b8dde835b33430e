"""The time series of Géron's chapter 14 (t.sin(t)/3 + 2.sin(5t)), shared by the
programs ch14_time_series*, ch14_creative_sequence and ch14_dropout as the notebook's
cells share it: time_series(), next_batch(), the time axis `t`, the test instance
`t_instance`, and the notebook's "Testing the model" plot. Not a program itself."""
import numpy as np

t_min, t_max = 0, 30
resolution = 0.1


def time_series(t):
    return t * np.sin(t) / 3 + 2 * np.sin(t*5)


def next_batch(batch_size, n_steps):
    t0 = np.random.rand(batch_size, 1) * (t_max - t_min - n_steps * resolution)
    Ts = t0 + np.arange(0., n_steps + 1) * resolution
    ys = time_series(Ts)
    return ys[:, :-1].reshape(-1, n_steps, 1), ys[:, 1:].reshape(-1, n_steps, 1)


t = np.linspace(t_min, t_max, int((t_max - t_min) / resolution))

n_steps = 20
t_instance = np.linspace(12.2, 12.2 + resolution * (n_steps + 1), n_steps + 1)


def plot_prediction(plt, y_pred):
    """The instance, its targets (the next values) and the model's predictions."""
    plt.title("Testing the model", fontsize=14)
    plt.plot(t_instance[:-1], time_series(t_instance[:-1]), "bo", markersize=10,
             label="instance")
    plt.plot(t_instance[1:], time_series(t_instance[1:]), "w*", markersize=10,
             label="target")
    plt.plot(t_instance[1:], y_pred[0, :, 0], "r.", markersize=10, label="prediction")
    plt.legend(loc="upper left")
    plt.xlabel("Time")
