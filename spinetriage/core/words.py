"""The words people type for an answer beside its ids, in English and in Spanish, read alike in
every language by flags, prompts, batch and the library (``parse`` looks them up): yes and no,
"none", the words for a location, a spread and a course, and an age in years. Spanish is read
without its accents (``plain``), as it is often typed; no Spanish word means something other
than the same English word or id would.
"""

from __future__ import annotations

import re

from spinetriage.core.i18n import N_
from spinetriage.core.vocabulary import QUESTIONS


def plain(text: str) -> str:
    """``text`` without its accents, as people type Spanish on a keyboard without them:
    ``días`` -> ``dias``, ``sí`` -> ``si``, ``año`` -> ``ano``. Text that is all ASCII is itself."""
    if text.isascii():
        return text
    import unicodedata  # only for text that is not ASCII

    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


#: Yes and no in words, in every language: English, and Spanish without its accent ("sí" is "si").
YES = frozenset({"true", "yes", "y", "1", "si", "s"})
NO = frozenset({"false", "no", "n", "0"})
#: "No warning sign", said in words in a list of signs: English and Spanish (without accents).
NO_SIGNS = frozenset({"none", "ninguna", "ninguno", "nada"})
#: Words for "none of these" at a checklist, English and Spanish (accents do not matter).
NONE_WORDS = frozenset({"0", "none", "no", "n", "nothing", "none of these", "none of them",
                        "ninguna", "ninguno", "nada", "ninguna de estas", "ninguno de estos",
                        "ninguna de ellas", "ninguno de ellos"})
ZERO_WITH_OTHERS = N_("0 means none, so it cannot go with other numbers")
#: Words people type beyond the values and aliases, read alike by flags, prompts, batch, library.
TYPED_WORDS: dict[str, dict[str, str]] = {
    "radiation": {
        "no": "none", "n": "none", "nope": "none", "nowhere": "none", "arm": "arms", "both-arms": "arms",
        "one-arm": "arms", "leg": "legs", "both-legs": "legs", "one-leg": "legs", "both": "arms-and-legs",
        "arms-legs": "arms-and-legs", "legs-and-arms": "arms-and-legs",
    },
}
#: What a Spanish speaker types for a value, read in every language beside the English ids and
#: words; written here without accents (``plain``): "espalda baja" is read as "espalda-baja", and
#: "Cuello", "piérnas" as "cuello", "piernas". None of them is an English word or id, and none
#: means something other than the same English word would ("no" is "none" in both).
SPANISH_WORDS: dict[str, dict[str, str]] = {
    "location": {
        "cuello": "neck", "nuca": "neck", "zona-cervical": "neck", "columna-cervical": "neck",
        "espalda-media": "mid-back", "media-espalda": "mid-back", "parte-media-de-la-espalda": "mid-back",
        "mitad-de-la-espalda": "mid-back", "entre-los-omoplatos": "mid-back", "dorsal": "mid-back",
        "zona-dorsal": "mid-back", "columna-dorsal": "mid-back", "toracica": "mid-back", "zona-toracica": "mid-back",
        "espalda-baja": "lower-back", "baja-espalda": "lower-back", "parte-baja-de-la-espalda": "lower-back",
        "zona-lumbar": "lower-back", "columna-lumbar": "lower-back", "region-lumbar": "lower-back",
    },
    "radiation": {
        "ninguno": "none", "ninguna": "none", "nada": "none", "a-ninguna-parte": "none",
        "brazo": "arms", "brazos": "arms", "un-brazo": "arms", "ambos-brazos": "arms", "los-dos-brazos": "arms",
        "pierna": "legs", "piernas": "legs", "una-pierna": "legs", "ambas-piernas": "legs",
        "las-dos-piernas": "legs",
        "brazos-y-piernas": "arms-and-legs", "piernas-y-brazos": "arms-and-legs",
        "brazo-y-pierna": "arms-and-legs", "pierna-y-brazo": "arms-and-legs",
    },
    "course": {
        "mejor": "better", "igual": "same", "lo-mismo": "same", "mas-o-menos-igual": "same",
        "parecido": "same", "peor": "worse",
    },
}
for _key, _words in SPANISH_WORDS.items():
    TYPED_WORDS[_key] = {**_words, **TYPED_WORDS.get(_key, {})}
del _key, _words
_AGE_YEARS = r"\s*(\d+)\s*(?:y|yr|yrs|year|years|años?|anos?|anios?)(?:\s+old|\s+de\s+edad)?\s*\.?\s*"


def age_with_unit() -> re.Pattern[str]:
    """``40 years``, ``40 yrs old``, ``42 años``: compiled on first use (never for a plain number)."""
    return re.compile(_AGE_YEARS, re.IGNORECASE)  # re's own cache keeps it


def typed_word(key: str, word: str) -> str | None:
    """The value a word typed for ``key`` stands for (an id, an alias, an English or Spanish word;
    case, accents, spaces and underscores do not matter), or None: ``typed_word("course", "Peor")``
    is ``"worse"``. For a prompt that reads its answer word by word (the re-check's course)."""
    question = QUESTIONS[key]
    word = "-".join(word.strip().lower().replace("_", " ").split())
    if word in question.choices:
        return word
    found = question.aliases.get(word)
    return typed_value(key, word) if found is None else found


def typed_value(key: str, word: str) -> str | None:
    """The value of a word beyond the ids and aliases (``word`` already lower case and joined by
    dashes): an English typed word, or a Spanish one with or without its accents."""
    typed = TYPED_WORDS.get(key)
    if typed is None:
        return None
    return typed.get(word) or typed.get(plain(word))
