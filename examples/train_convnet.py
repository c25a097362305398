"""The book's ``train_convnet.py``: SimpleConvNet trained with the Trainer, parameters saved.

    python examples/train_convnet.py                 # 3 epochs on the embedded set (about 1 min)
    python examples/train_convnet.py --epochs 20     # the book's 20 epochs
    python examples/train_convnet.py --quick         # 1 epoch on 1000 images

``xpnet train`` does the same and also draws the accuracy curves and the learned filters.
"""

import argparse

from xpnet.datasets import load_mnist
from xpnet.experiments import DATA_CHOICES
from xpnet.models import SimpleConvNet
from xpnet.training import Trainer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--data", choices=tuple(DATA_CHOICES), default="auto",
                    help="auto, mnist (full MNIST, downloaded) or embedded, as the xpnet command")
parser.add_argument("--out", default="params.npz", help="where the trained parameters go")
parser.add_argument("--quick", action="store_true", help="1 epoch on 1000 training images")
args = parser.parse_args()

((x_train, t_train), (x_test, t_test)), used = load_mnist(flatten=False, source=DATA_CHOICES[args.data],
                                                          return_source=True)
print(f"data: {used}")
epochs = args.epochs
if args.quick:
    x_train, t_train, epochs = x_train[:1000], t_train[:1000], 1

network = SimpleConvNet(input_dim=(1, 28, 28),
                        conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
                        hidden_size=100, output_size=10, weight_init_std=0.01)
trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=epochs, mini_batch_size=100,
                  optimizer="Adam", optimizer_param={"lr": 0.001}, evaluate_sample_num_per_epoch=1000, seed=0)
trainer.train()
print(f"=============== Final Test Accuracy ===============\ntest acc: {trainer.final_test_accuracy:.4f}")

network.save_params(args.out)
print(f"Saved Network Parameters to {args.out}")
