"""Language rebalancing (stage ``balance_v1``): temperature, explicit weights or UniMax.

:mod:`~dataprep.balance.targets` holds the pure target math,
:mod:`~dataprep.balance.select` the deterministic per-document selection,
:mod:`~dataprep.balance.observe` what workers record, and
:mod:`~dataprep.balance.stage` the stage itself.
"""
