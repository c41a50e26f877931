"""datatrove's fastText LID pointed at a local model file (imported by datatrove's workers).

datatrove 0.10.1's ``FT176LID`` downloads ``lid.176.bin`` on first use. The benchmark
gives it the same ``lid.176.ftz`` that dataprep uses (shipped in dataprep/langid/models), so
both tools run the same model; everything else (``predict`` on the whole text with
newlines replaced, ``k=-1``, the score test in ``LanguageFilter``) is datatrove's own code.
This module runs only inside the datatrove venv; it must stay importable by path so that
datatrove's worker processes can unpickle the filter.
"""

from __future__ import annotations

from typing import Any

from datatrove.utils.lid import FT176LID


class LocalFT176LID(FT176LID):
    def __init__(self, languages: list[str] | None, model_path: str) -> None:
        super().__init__(languages)
        self.model_path = model_path

    @property
    def model(self) -> Any:
        if self._model is None:
            from fasttext.FastText import _FastText

            self._model = _FastText(self.model_path)
        return self._model
