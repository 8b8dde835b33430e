from . import mnist
