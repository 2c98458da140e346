"""The zoo's models, one module per family; importing this registers them all.

The import order is the registration order, which `model_names()` keeps (mlp, cnn first).
"""

# isort: off
from actlab.models.nets import mlp  # noqa: F401  (each module registers its ModelSpec)
from actlab.models.nets import cnn  # noqa: F401
from actlab.models.nets import lenet  # noqa: F401
from actlab.models.nets import resnet  # noqa: F401
from actlab.models.nets import vgg  # noqa: F401
from actlab.models.nets import mobilenet  # noqa: F401
from actlab.models.nets import transformer  # noqa: F401
from actlab.models.nets import mnist1d  # noqa: F401
# isort: on
