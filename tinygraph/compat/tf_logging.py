"""tf.logging (tf.compat.v1.logging): TF1's log functions and verbosity levels, written
through Python's logging module on the "tinygraph" logger."""
import logging as _logging
import sys as _sys

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = WARNING = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = None


def get_logger():
    """The "tinygraph" logger. As TF does, it gets its own stderr handler only when the
    root logger has none, so an application's logging set-up is not printed twice."""
    global _logger
    if _logger is None:
        _logger = _logging.getLogger("tinygraph")
        if not _logging.getLogger().handlers:
            handler = _logging.StreamHandler(_sys.stderr)
            handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
            _logger.addHandler(handler)
    return _logger


def set_verbosity(v):
    get_logger().setLevel(v)


def get_verbosity():
    return get_logger().getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    get_logger().debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    get_logger().info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    get_logger().warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    get_logger().error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    get_logger().critical(msg, *args, **kwargs)


def flush():
    for handler in get_logger().handlers:
        handler.flush()
