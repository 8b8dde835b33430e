from ...datasets import mnist
