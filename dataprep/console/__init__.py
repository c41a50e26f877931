"""Command-line conventions shared by every ``dataprep`` verb: an argument parser
that suggests the closest verb or option, global flags accepted anywhere, and the
``logging`` set-up behind ``-v``/``-q`` (see :mod:`dataprep.cli`)."""
