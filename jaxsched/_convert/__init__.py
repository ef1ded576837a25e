"""Converters between jaxsched and other libraries' schedules, one module per library.

``_keras`` reads Keras 3, tf.keras, TF Addons and Model Garden schedules and writes Keras 3
ones; ``_torch`` reads PyTorch (and Hugging Face) LR schedulers and writes PyTorch ones.
The reference libraries are imported lazily, inside the functions: jaxsched does not
depend on them.
"""
