"""The TF1 error family. Run-time errors are OpErrors that name the op and where the
user created it; graph-construction errors are plain ValueError / TypeError."""


class OpError(Exception):
    error_code = 2

    def __init__(self, node_def, op, message):
        self.node_def = node_def
        self.op = op
        self.message = message
        if op is not None:
            message = f"{message}\n\t [[node {op.name} (defined at {op.defined_at}) ]]"
        super().__init__(message)


def _make(name, code):
    def __init__(self, node_def, op, message):
        OpError.__init__(self, node_def, op, message)
    return type(name, (OpError,), {"error_code": code, "__init__": __init__})


CancelledError = _make("CancelledError", 1)
UnknownError = _make("UnknownError", 2)
InvalidArgumentError = _make("InvalidArgumentError", 3)
DeadlineExceededError = _make("DeadlineExceededError", 4)
NotFoundError = _make("NotFoundError", 5)
AlreadyExistsError = _make("AlreadyExistsError", 6)
PermissionDeniedError = _make("PermissionDeniedError", 7)
ResourceExhaustedError = _make("ResourceExhaustedError", 8)
FailedPreconditionError = _make("FailedPreconditionError", 9)
AbortedError = _make("AbortedError", 10)
OutOfRangeError = _make("OutOfRangeError", 11)
UnimplementedError = _make("UnimplementedError", 12)
InternalError = _make("InternalError", 13)
UnavailableError = _make("UnavailableError", 14)
DataLossError = _make("DataLossError", 15)
UnauthenticatedError = _make("UnauthenticatedError", 16)
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, OpError):
        _cls.__module__ = "tinygraph.errors"
