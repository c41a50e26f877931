"""An example third-party dataprep stage package (see ``stages``)."""
