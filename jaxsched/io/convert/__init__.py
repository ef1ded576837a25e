"""Converters between jaxsched and other libraries' schedules, one module per library.

Into jaxsched: ``_keras`` (:func:`jaxsched.from_keras`) over the rows of
``_keras_classes`` (Keras 3 and tf.keras), ``_tf_addons`` and ``_model_garden`` (with its
``OptimizationConfig`` dicts); ``_torch`` (:func:`jaxsched.from_torch`) with
``_huggingface`` for the ``get_*_schedule`` schedulers. Out of jaxsched: ``_to_keras`` and
``_torch`` (:func:`jaxsched.to_torch`). The reference libraries are imported lazily, inside
the functions: jaxsched does not depend on them.
"""
