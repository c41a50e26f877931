"""Normalize fastText language labels to one code scheme.

Language-ID models disagree on labels: ``lid.176`` (Joulin et al. 2017) emits
``__label__de`` (ISO 639-1, or a Wikipedia code such as ``als`` = Alemannic when
no 639-1 code exists), while GlotLID (Kargaran et al. 2023) and OpenLID (Burchell
et al. 2023) emit ISO 639-3 plus an ISO 15924 script, ``__label__deu_Latn``.
dataprep stores the shortest standard code in ``lang`` (``de``) and the script,
when the model gives one, in ``lang_script`` (``Latn``), so recipes and reports
use one vocabulary whichever model produced the labels.

Rules (see :func:`normalize_label`):

* a 3-letter ISO 639-3 (or 639-2/B) code maps to its ISO 639-1 equivalent when
  one exists (``deu``/``ger`` -> ``de``, ``zho`` -> ``zh``); other codes are kept
  (``yue``, ``ceb``, ``arz``);
* for labels that carry a script (GlotLID/OpenLID style), the individual language
  of a common macrolanguage maps to the macrolanguage's 639-1 code (``arb_Arab``
  -> ``ar``, ``cmn_Hani`` -> ``zh``, ``zsm_Latn`` -> ``ms``). This is applied only
  with a script because lid.176 reuses some of those strings as Wikipedia codes
  (its ``als`` is Alemannic, ISO 639-3 ``als`` is Tosk Albanian).

Sources: ISO 639-3 code tables (SIL, https://iso639-3.sil.org/code_tables) and the
ISO 639-2 B/T list (Library of Congress).
"""

from __future__ import annotations

from typing import NamedTuple

#: Undetermined language (ISO 639-2 special code), used below ``min_score``.
UND = "und"

_LABEL_PREFIX = "__label__"

#: ISO 639-3 (T) and 639-2/B code -> ISO 639-1, for about 140 widely used languages.
ISO639_3_TO_1: dict[str, str] = {
    "afr": "af", "aka": "ak", "amh": "am", "ara": "ar", "arg": "an", "asm": "as",
    "ava": "av", "aym": "ay", "aze": "az", "bak": "ba", "bam": "bm", "bel": "be",
    "ben": "bn", "bis": "bi", "bod": "bo", "tib": "bo", "bos": "bs", "bre": "br",
    "bul": "bg", "cat": "ca", "ces": "cs", "cze": "cs", "che": "ce", "chv": "cv",
    "cor": "kw", "cos": "co", "cym": "cy", "wel": "cy", "dan": "da", "deu": "de",
    "ger": "de", "div": "dv", "dzo": "dz", "ell": "el", "gre": "el", "eng": "en",
    "epo": "eo", "est": "et", "eus": "eu", "baq": "eu", "ewe": "ee", "fao": "fo",
    "fas": "fa", "per": "fa", "fij": "fj", "fin": "fi", "fra": "fr", "fre": "fr",
    "fry": "fy", "ful": "ff", "gla": "gd", "gle": "ga", "glg": "gl", "glv": "gv",
    "grn": "gn", "guj": "gu", "hat": "ht", "hau": "ha", "hbs": "sh", "heb": "he",
    "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "arm": "hy", "ibo": "ig",
    "ido": "io", "iii": "ii", "iku": "iu", "ile": "ie", "ina": "ia", "ind": "id",
    "isl": "is", "ice": "is", "ita": "it", "jav": "jv", "jpn": "ja", "kal": "kl",
    "kan": "kn", "kas": "ks", "kat": "ka", "geo": "ka", "kaz": "kk", "khm": "km",
    "kik": "ki", "kin": "rw", "kir": "ky", "kom": "kv", "kor": "ko", "kur": "ku",
    "lao": "lo", "lat": "la", "lav": "lv", "lim": "li", "lin": "ln", "lit": "lt",
    "ltz": "lb", "lug": "lg", "mal": "ml", "mar": "mr", "mkd": "mk", "mac": "mk",
    "mlg": "mg", "mlt": "mt", "mon": "mn", "mri": "mi", "mao": "mi", "msa": "ms",
    "may": "ms", "mya": "my", "bur": "my", "nav": "nv", "nep": "ne", "nld": "nl",
    "dut": "nl", "nno": "nn", "nob": "nb", "nor": "no", "nya": "ny", "oci": "oc",
    "ori": "or", "orm": "om", "oss": "os", "pan": "pa", "pol": "pl", "por": "pt",
    "pus": "ps", "que": "qu", "roh": "rm", "ron": "ro", "rum": "ro", "run": "rn",
    "rus": "ru", "sag": "sg", "san": "sa", "sin": "si", "slk": "sk", "slo": "sk",
    "slv": "sl", "sme": "se", "smo": "sm", "sna": "sn", "snd": "sd", "som": "so",
    "sot": "st", "spa": "es", "sqi": "sq", "alb": "sq", "srd": "sc", "srp": "sr",
    "ssw": "ss", "sun": "su", "swa": "sw", "swe": "sv", "tah": "ty", "tam": "ta",
    "tat": "tt", "tel": "te", "tgk": "tg", "tgl": "tl", "tha": "th", "tir": "ti",
    "ton": "to", "tsn": "tn", "tso": "ts", "tuk": "tk", "tur": "tr", "twi": "tw",
    "uig": "ug", "ukr": "uk", "urd": "ur", "uzb": "uz", "ven": "ve", "vie": "vi",
    "vol": "vo", "wln": "wa", "wol": "wo", "xho": "xh", "yid": "yi", "yor": "yo",
    "zha": "za", "zho": "zh", "chi": "zh", "zul": "zu",
}  # fmt: skip

#: Individual language (ISO 639-3) -> 639-1 code of its macrolanguage. Applied
#: only to labels that carry a script (see the module docstring).
MACRO_MEMBER_TO_1: dict[str, str] = {
    "arb": "ar", "azj": "az", "cmn": "zh", "ekk": "et", "gaz": "om", "khk": "mn",
    "kmr": "ku", "lvs": "lv", "npi": "ne", "ory": "or", "pbt": "ps", "pes": "fa",
    "plt": "mg", "swh": "sw", "uzn": "uz", "ydd": "yi", "zsm": "ms", "als": "sq",
}  # fmt: skip


class Label(NamedTuple):
    """A normalized label: language code and optional ISO 15924 script."""

    lang: str
    script: str | None


def normalize_code(code: str, *, has_script: bool = False) -> str:
    """Map one language code to the shortest standard code (see module docstring)."""
    code = code.strip().lower()
    if has_script and code in MACRO_MEMBER_TO_1:
        return MACRO_MEMBER_TO_1[code]
    return ISO639_3_TO_1.get(code, code)


def normalize_label(label: str, *, to_iso639_1: bool = True) -> Label:
    """``__label__deu_Latn`` -> ``Label("de", "Latn")``; ``__label__de`` -> ``("de", None)``.

    Accepts labels with or without the ``__label__`` prefix and ``_`` or ``-``
    before the script. With ``to_iso639_1=False`` the code is only lower-cased.
    """
    body = label[len(_LABEL_PREFIX) :] if label.startswith(_LABEL_PREFIX) else label
    body = body.strip()
    code, script = body, None
    for sep in ("_", "-"):
        head, found, tail = body.partition(sep)
        if found and len(tail) == 4 and tail.isalpha():
            code, script = head, tail.title()
            break
    if not code:
        return Label(UND, script)
    if not to_iso639_1:
        return Label(code.lower(), script)
    return Label(normalize_code(code, has_script=script is not None), script)
