"""Quality reports of an output folder: ``report.json`` (versioned schema) and ``report.html``.

``build.write_reports(root)`` is called by the runner at the end of every run and by
``dataprep report OUTPUT``. Everything is computed from the output folder alone
(``stats.json``, ``run.json``, ``data/``, ``removed/``), reading Parquet column by
column in bounded batches, so a report costs little memory on any corpus size.
"""

from __future__ import annotations

#: Version of the ``report.json`` layout (see ``report.schema.json``). Version 2 added
#: ``stages[].docs_flagged`` and ``overlaps.unmeasured`` / ``overlaps.how_to_measure``;
#: version 3 the evidence sections: ``dedup[].pairs`` / ``partner_by`` / ``note`` and an
#: example cluster per size bucket; version 4 ``text_kept`` on every sampled document
#: (false: a removed document written without its text, ``keep_removed: ids``, that is
#: not in the sample store).
REPORT_VERSION = 4
#: Version of the ``compare.json`` layout (see ``compare.schema.json``). Version 2 added
#: ``cost`` (seconds per stage), ``tokens`` (tokens in/kept per stage, B minus A kept)
#: and ``languages[].docs_out_diff``.
COMPARE_VERSION = 2
