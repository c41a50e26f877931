"""Where shard jobs run: local worker processes (``local``, ``pool``) or a Ray
cluster (``ray``, ``ray_actor``); both implement :class:`base.Executor`."""
