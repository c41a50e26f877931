"""Pieces of the Ray executor that run inside Ray (see :mod:`dataprep.ray_executor`).

Importing this package does not import Ray: the actor classes are plain classes,
wrapped with ``ray.remote`` only by the executor when a run starts.
"""
