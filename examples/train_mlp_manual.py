"""A hand-written training loop, as in the book's chapter 5/6 scripts: gradient, update, repeat.

    python examples/train_mlp_manual.py            # 2000 iterations (about 10 s on a laptop CPU)
    python examples/train_mlp_manual.py --quick    # 100 iterations
    DL_BACKEND=torch python examples/train_mlp_manual.py

Runs offline: ``source="auto"`` falls back to the MNIST test digits embedded in xpnet.
"""

import argparse

import xpnet
from xpnet.backend import array_namespace, asarray, choice, to_numpy
from xpnet.datasets import load_mnist
from xpnet.experiments import DATA_CHOICES
from xpnet.models import MultiLayerNet
from xpnet.optimizers import SGD

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--iters", type=int, default=2000)
parser.add_argument("--data", choices=tuple(DATA_CHOICES), default="auto",
                    help="auto, mnist (full MNIST, downloaded) or embedded, as the xpnet command")
parser.add_argument("--quick", action="store_true", help="100 iterations")
args = parser.parse_args()
iters = 100 if args.quick else args.iters

((x_train, t_train), (x_test, t_test)), used = load_mnist(normalize=True, source=DATA_CHOICES[args.data],
                                                          return_source=True)
print(f"data: {used}")
xpnet.seed(0)
# Move the data to the backend's device once; batches are then taken there by index.
x_train, t_train, x_test, t_test = (asarray(a) for a in (x_train, t_train, x_test, t_test))
xp = array_namespace(x_train)

network = MultiLayerNet(input_size=784, hidden_size_list=[100, 100], output_size=10)
optimizer = SGD(lr=0.1)
batch_size = 100
iter_per_epoch = max(x_train.shape[0] // batch_size, 1)

losses = []  # device scalars: one transfer at the end, not a float() per iteration
for i in range(iters):
    batch_mask = choice(x_train.shape[0], batch_size)
    x_batch, t_batch = xp.take(x_train, batch_mask, axis=0), xp.take(t_train, batch_mask, axis=0)
    grads = network.gradient(x_batch, t_batch)
    optimizer.update(network.params, grads)
    losses.append(network.last_loss)
    if (i + 1) % iter_per_epoch == 0 or i + 1 == iters:
        train_acc = network.accuracy(x_train, t_train)
        test_acc = network.accuracy(x_test, t_test)
        print(f"iteration {i + 1}: train acc {train_acc:.4f}, test acc {test_acc:.4f}")

losses = to_numpy(xp.stack(losses))
print(f"loss: first {losses[0]:.3f}, last 100 mean {losses[-100:].mean():.3f}")
