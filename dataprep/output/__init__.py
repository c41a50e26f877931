"""The output folder's contract: where every file lives (``layout``), which files are
dataprep's and the run lock (``folder``), and what can be redone from an output
(``redecide``)."""
