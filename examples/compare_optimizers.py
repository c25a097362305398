"""The book's ``optimizer_compare_mnist.py``: SGD, Momentum, AdaGrad and Adam on the same batches.

    python examples/compare_optimizers.py            # 2000 iterations, as the book
    python examples/compare_optimizers.py --quick    # 100 iterations

For the figure (every optimizer, smoothed curves), run ``xpnet optimizer-compare``.
"""

import argparse

import xpnet
from xpnet.backend import array_namespace, asarray, choice, to_numpy
from xpnet.datasets import load_mnist
from xpnet.experiments import DATA_CHOICES
from xpnet.models import MultiLayerNet
from xpnet.optimizers import SGD, AdaGrad, Adam, Momentum

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--iters", type=int, default=2000)
parser.add_argument("--data", choices=tuple(DATA_CHOICES), default="auto",
                    help="auto, mnist (full MNIST, downloaded) or embedded, as the xpnet command")
parser.add_argument("--quick", action="store_true", help="100 iterations")
args = parser.parse_args()
max_iterations = 100 if args.quick else args.iters

(x_train, t_train), _ = load_mnist(normalize=True, source=DATA_CHOICES[args.data])
xpnet.seed(0)
x_train, t_train = asarray(x_train), asarray(t_train)
xp = array_namespace(x_train)
train_size, batch_size = x_train.shape[0], 128

optimizers = {"SGD": SGD(), "Momentum": Momentum(), "AdaGrad": AdaGrad(), "Adam": Adam()}
networks = {key: MultiLayerNet(input_size=784, hidden_size_list=[100, 100, 100, 100], output_size=10)
            for key in optimizers}
train_loss = {key: [] for key in optimizers}

for i in range(max_iterations):
    batch_mask = choice(train_size, batch_size)
    x_batch, t_batch = xp.take(x_train, batch_mask, axis=0), xp.take(t_train, batch_mask, axis=0)
    for key in optimizers:
        grads = networks[key].gradient(x_batch, t_batch)
        optimizers[key].update(networks[key].params, grads)
        train_loss[key].append(networks[key].last_loss)  # stays on the device

    if i % 100 == 0 or i + 1 == max_iterations:
        print(f"===========iteration:{i}===========")
        for key in optimizers:
            print(f"{key}: {float(train_loss[key][-1]):.4f}")

final = {key: to_numpy(xp.stack(values[-50:])).mean() for key, values in train_loss.items()}
print("mean loss of the last 50 iterations: " + ", ".join(f"{k} {v:.3f}" for k, v in final.items()))
