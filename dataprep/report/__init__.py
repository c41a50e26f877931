"""Quality reports of an output folder: ``report.json`` (versioned schema) and ``report.html``.

``build.write_reports(root)`` is called by the runner at the end of every run and by
``dataprep report OUTPUT``. Everything is computed from the output folder alone
(``stats.json``, ``run.json``, ``data/``, ``removed/``), reading Parquet column by
column in bounded batches, so a report costs little memory on any corpus size.
"""

from __future__ import annotations

#: Version of the ``report.json`` layout (see ``report.schema.json``).
REPORT_VERSION = 1
