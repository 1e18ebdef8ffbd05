"""The questions: what each answer is, the values it takes, and how text becomes a value.

This is the vocabulary the rules are checked against (a condition on an answer or a
value not listed here is a load error) and the one place that parses answers, whether
they come from flags, prompts, batch records or library callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from itertools import islice
from typing import Any, Mapping

from spinetriage.errors import AnswerError

# --- the vocabulary -------------------------------------------------------------------

LOCATIONS: dict[str, str] = {
    "neck": "neck (cervical spine)",
    "mid-back": "mid-back, between the shoulder blades (thoracic spine)",
    "lower-back": "lower back (lumbar spine)",
}
LOCATION_ALIASES = {"cervical": "neck", "thoracic": "mid-back", "lumbar": "lower-back"}

RADIATION: dict[str, str] = {
    "none": "no, it stays in the back or neck",
    "arms": "into one or both arms",
    "legs": "into one or both legs",
    "arms-and-legs": "into arms and legs",
}

# The checklist answers (red-flag ids of CONTRACT.md, "Red-flag ids"), in three tiers.
# The words are what a person reads at the prompts, in reports and in help.
EMERGENCY_SIGNS: dict[str, str] = {
    "saddle-numbness": "numbness or tingling between your legs, around your genitals, back passage or buttocks",
    "bladder-bowel": "new trouble starting to pee, leaking urine, or losing control of your bowels",
    "sexual-dysfunction": "new loss of feeling in your genitals, or new erection or ejaculation problems",
    "both-legs": "new pain, numbness, tingling or weakness in both legs",
    "both-arms": "numbness, tingling or weakness in both arms or both hands that started or got worse "
                 "in the last few days",
    "rapid-weakness": "weakness or numbness in your arms or legs that is getting worse quickly, "
                      "or a sudden loss of coordination",
    "major-trauma": "the pain began after a serious injury: a crash at speed in a car, on a bike or motorbike, "
                    "a fall from 1 metre (3 feet) or higher, such as off a ladder or a wall, or down 5 or more "
                    "stairs, diving into shallow water, or a heavy blow to the head or neck",
    "chest-pain": "chest pain or tightness; or pain in your chest, upper back, jaw or arm that comes on with "
                  "effort and settles within minutes of rest; or the pain comes with sweating, feeling sick "
                  "or breathlessness",
    "sudden-severe": "the pain came on suddenly and severely for no reason (not while lifting, bending, "
                     "twisting or after an injury), at full strength within seconds or minutes, or it feels "
                     "tearing or ripping",
    "faint-collapse": "you fainted or collapsed, or you feel faint, cold and clammy, or suddenly very unwell",
    "meningitis-signs": "a fever with a stiff neck, or a fever with a bad headache and a dislike of bright light",
    "stroke-signs": "face drooping, arm weakness, slurred speech, double vision, or a sudden severe headache, "
                    "now or in the last 2 weeks",
    "abdominal-pulsing": "a throbbing or pulsing feeling in your belly",
    "pregnancy-warning": "you are pregnant, with tightenings or pain that comes and goes in waves, constant "
                         "severe pain, a bump that feels hard and tender, bleeding, fluid leaking, or the baby "
                         "moving less",
}
URGENT_SIGNS: dict[str, str] = {
    "fever": "a fever of 38 °C or more, or feeling hot and shivery",
    "infection-risk": "you inject drugs; or have a weakened immune system (chemotherapy, long-term steroid "
                      "tablets or injections, not inhalers or creams; an organ transplant; HIV); or had spinal "
                      "surgery or an injection into the spine (including an epidural or lumbar puncture, but "
                      "not an epidural for childbirth) in the last 3 months; or a serious infection or a "
                      "hospital stay in the last 3 months (diabetes alone does not count)",
    "cancer-history": "you have ever had cancer, including melanoma (basal cell and squamous cell skin "
                      "cancers, and pre-cancer cells such as CIN, do not count)",
    "weight-loss": "you have lost weight without trying",
    "night-pain": "constant pain that no rest or position eases; pain that wakes you every night whatever "
                  "position you lie in and does not ease when you get up and move about; or pain getting "
                  "steadily worse over weeks despite treatment",
    "limb-weakness": "one arm or leg getting weaker: foot slapping, tripping, weak grip",
    "clumsy-hands": "both your hands becoming numb or clumsy over weeks or months (dropping things, trouble "
                    "with buttons), or your walking becoming unsteady",
    "fragility-fracture": "you have thin bones (osteoporosis) or take steroid tablets long-term, and new pain "
                          "began in the last few weeks after a minor fall, lift, cough or twist, or for no "
                          "reason",
    "lump-deformity": "a new lump or swelling on your spine that you or others can see, or a change in the "
                      "shape of your back (a tender knot in a muscle is not one)",
    "rash": "a new rash or blisters in a band on one side of your body, on or near the painful area",
    "kidney-signs": "pain in one side below the ribs that comes in waves and spreads to the groin, pain or "
                    "burning when you pee, or blood in your pee",
    "belly-pain": "pain in your belly (tummy) as well as the back pain",
    "breathing-pain": "sharp pain in your chest or upper back when you breathe in, or coughing up blood",
}
RISK_FACTORS: dict[str, str] = {
    "minor-injury": "the pain began after a fall, a knock or blow, or an accident that was not serious "
                    "(lifting or bending alone does not count)",
    "blood-thinners": "you take blood thinners (such as warfarin, apixaban, rivaroxaban, edoxaban, dabigatran "
                      "or heparin injections), or have a bleeding disorder",
    "stiff-spine": "you have ankylosing spondylitis, or a fused or very stiff spine (including after spinal "
                   "fusion surgery)",
    "pregnant": "you are pregnant, or had a baby in the last 6 weeks",
    "inflammatory-pain": "back pain that movement eases and rest does not, with morning stiffness over 30 "
                         "minutes, psoriasis, an inflamed eye (uveitis), Crohn's disease or colitis, or a "
                         "parent, brother or sister with ankylosing spondylitis",
}
RED_FLAGS: dict[str, str] = {**EMERGENCY_SIGNS, **URGENT_SIGNS, **RISK_FACTORS}
#: The tier of each red-flag id: "emergency" and "urgent" name the least outcome that sign
#: alone must lead to (the rules checker holds every rules file to it); "risk" counts only
#: as the rules say, mostly together with other answers.
TIERS: dict[str, str] = {
    **{k: "emergency" for k in EMERGENCY_SIGNS},
    **{k: "urgent" for k in URGENT_SIGNS},
    **{k: "risk" for k in RISK_FACTORS},
}


@dataclass(frozen=True)
class Checklist:
    """One short themed checklist of red-flag ids, as the interview asks it.

    ``before_questions``: asked before the article's questions (the emergency signs come
    first); the others after them. The checklists together hold every red-flag id once.
    """

    id: str  # stable: the FHIR Questionnaire's linkId
    heading: str
    question: str
    items: tuple[str, ...]
    before_questions: bool


CHECKLISTS: tuple[Checklist, ...] = (
    Checklist("signs-nerves", "Emergency signs: nerves", "First, safety. Do you have any of these now?",
              ("saddle-numbness", "bladder-bowel", "sexual-dysfunction", "both-legs", "both-arms",
               "rapid-weakness"), True),
    Checklist("signs-heart", "Emergency signs: heart, blood vessels and head", "Do you have any of these now?",
              ("chest-pain", "sudden-severe", "faint-collapse", "abdominal-pulsing", "stroke-signs",
               "meningitis-signs", "pregnancy-warning"), True),
    Checklist("signs-injury", "Injury, bones and blood thinners", "Do any of these apply to you?",
              ("major-trauma", "minor-injury", "fragility-fracture", "stiff-spine", "blood-thinners"), True),
    Checklist("signs-health", "Infection, cancer and general health", "Do any of these apply to you?",
              ("fever", "infection-risk", "cancer-history", "weight-loss", "night-pain", "lump-deformity",
               "rash"), False),
    Checklist("signs-other", "Weakness, belly, breathing, pregnancy", "Do any of these apply to you?",
              ("limb-weakness", "clumsy-hands", "kidney-signs", "belly-pain", "breathing-pain", "pregnant",
               "inflammatory-pain"), False),
)

MAX_DURATION_DAYS = 100 * 365
AGE_RANGE = (1, 120)

UNITS = {
    "d": 1, "day": 1, "days": 1,
    "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7,
    "m": 30, "mo": 30, "month": 30, "months": 30,
    "y": 365, "yr": 365, "yrs": 365, "year": 365, "years": 365,
}
_DURATION = re.compile(r"\s*([+-]?)\s*(\d+(?:[.,]\d*)?|[.,]\d+)\s*([a-z]*)\s*", re.IGNORECASE)
DURATION_ACCEPTED = (
    "use a whole number with a unit: 3d, 2w, 4m, 1y (or 3 days, 2 weeks, 1 month, 1 year); "
    "0d means it began today; at most 100 years"
)


@dataclass(frozen=True)
class Question:
    """One answer: its key in the answers, its flag, its kind and accepted values."""

    key: str
    flag: str
    kind: str  # "set", "choice", "bool", "int"
    choices: Mapping[str, str] = field(default_factory=dict)  # value -> plain words
    aliases: Mapping[str, str] = field(default_factory=dict)
    bounds: tuple[int, int] | None = None

    def accepted(self) -> str:
        if self.kind == "bool":
            return "accepted: true or false (yes or no)"
        if self.key == "duration_days":
            return DURATION_ACCEPTED
        if self.kind == "int":
            lo, hi = self.bounds or (0, 0)
            return f"accepted: a whole number from {lo} to {hi}"
        names = list(self.choices)
        text = "accepted: " + ", ".join(names)
        if self.aliases:
            text += " (also " + ", ".join(f"{a} = {v}" for a, v in self.aliases.items()) + ")"
        return text

    def menu(self) -> list[str]:
        return list(self.choices)


QUESTIONS: dict[str, Question] = {
    q.key: q
    for q in (
        Question("location", "--location", "set", LOCATIONS, LOCATION_ALIASES),
        Question("duration_days", "--duration", "int", bounds=(0, MAX_DURATION_DAYS)),
        Question("radiation", "--radiation", "choice", RADIATION),
        Question("recurrent", "--recurrent", "bool"),
        Question("limits_activities", "--limits-activities", "bool"),
        Question("age", "--age", "int", bounds=AGE_RANGE),
        Question("red_flags", "--red-flag", "set", RED_FLAGS),
    )
}
ANSWER_KEYS = tuple(QUESTIONS)


# --- parsing ----------------------------------------------------------------------------


def _word(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").split())


#: What Word, Excel and web pages put into a typed id: their dashes and minus for "-", their
#: no-break spaces for " ", and the invisible characters (zero-width space, joiners, word joiner,
#: soft hyphen, byte-order mark) for nothing.
_FOLD = {
    **{c: "-" for c in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D)},
    **{c: " " for c in (0x00A0, 0x2007, 0x202F)},
    **{c: None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0x00AD, 0xFEFF)},
}


def fold_text(text: str) -> str:
    """``text`` with typographic dashes as ``-``, no-break spaces as spaces and invisible
    characters removed. The parser never accepts a folded value silently: it suggests it
    ("did you mean"), and an emergency sign read this way still decides (``valid_signs``)."""
    return text.translate(_FOLD) if not text.isascii() else text


def _near(text: str) -> str:
    """``text`` as an id once folded, with any run of dashes, spaces and underscores as one ``-``."""
    return "-".join(w for w in re.split(r"[-\s_]+", fold_text(text).lower()) if w)


_MAX_TEXTS = 1000  # texts looked at in one value when rescuing signs from it
_NO = frozenset({"no", "n", "false", "0", "none", ""})


def _texts_in(value: Any, depth: int = 0, seen: list[int] | None = None) -> Iterator[str]:
    """Every text in ``value``, however it is wrapped: text (split like a list cell), bytes,
    nested lists, tuples and sets, numpy arrays, and mappings (their text values, and each key
    whose value is not an explicit no: ``{"chest-pain": True}``). Bounded in depth and count."""
    seen = [0] if seen is None else seen
    if seen[0] >= _MAX_TEXTS or depth > 32:
        return
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        for item in split_items(value) or ([value] if value.strip() else []):
            seen[0] += 1
            yield item
        return
    if hasattr(value, "tolist") and not isinstance(value, Mapping):
        try:
            value = value.tolist()  # a numpy array or pandas Series
        except Exception:  # noqa: BLE001 - not one after all
            return
    if isinstance(value, Mapping):
        for key, item in islice(value.items(), _MAX_TEXTS):
            said_no = item is False or (isinstance(item, str) and item.strip().lower() in _NO) or (
                type(item) is int and item == 0)
            if not said_no and isinstance(key, (str, bytes)):
                yield from _texts_in(key, depth + 1, seen)
            if isinstance(item, (str, bytes, list, tuple, set, frozenset, Mapping)):
                yield from _texts_in(item, depth + 1, seen)
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            if seen[0] >= _MAX_TEXTS:
                return
            yield from _texts_in(item, depth + 1, seen)


def _known(question: "Question") -> dict[str, str]:
    return {**{c: c for c in question.choices}, **question.aliases}


def _suggest(question: "Question", value: Any) -> str:
    """`` (did you mean ...?)`` for a value that is not accepted, or ``""``.

    A value that is an accepted one once folded (a typographic dash, an invisible character),
    decoded (bytes) or unwrapped (a nested list, a mapping) is named with what was wrong with
    it; otherwise the closest values by spelling, or the values the word is part of
    (``chest`` -> ``chest-pain``).
    """
    known = _known(question)
    if not isinstance(value, str):
        try:
            texts = list(_texts_in(value))
        except Exception:  # noqa: BLE001 - an odd object: no suggestion
            return ""
        what = ("bytes, not text" if isinstance(value, (bytes, bytearray, memoryview))
                else "a mapping, not a list of ids" if isinstance(value, Mapping)
                else "a list inside the list" if isinstance(value, (list, tuple, set, frozenset))
                else f"a {type(value).__name__}, not text")
        found = list(dict.fromkeys(known[w] for w in map(_near, texts) if w in known))
        if not found:
            near = _suggest(question, texts[0]) if len(texts) == 1 else ""
            return near[:-1] + f" it is {what})" if near else ""
        shown = repr(found[0]) if len(found) == 1 else repr(found)
        return f" (did you mean {shown}? it is {what})"
    if len(value) <= 100 and QUESTIONS.get(question.key) is question:
        return _suggest_text(question.key, value)  # the same few mistakes, again and again in a batch
    return _suggest_word(question, value)


@lru_cache(maxsize=1024)  # keys are at most 100 characters long (see _suggest)
def _suggest_text(key: str, value: str) -> str:
    return _suggest_word(QUESTIONS[key], value)


def _suggest_word(question: "Question", value: str) -> str:
    known = _known(question)
    folded = _near(value)
    if folded in known and folded != _word(value):
        if fold_text(value) == value:
            return f" (did you mean {known[folded]!r}?)"
        return (f" (did you mean {known[folded]!r}? it is written with a typographic dash, a no-break space "
                "or an invisible character)")
    if len(value) > 100:
        return ""
    import difflib  # only on a mistake

    close = difflib.get_close_matches(folded, list(question.choices), n=1, cutoff=0.75)
    if not close and len(folded) >= 3:
        close = [c for c in question.choices if folded in c.split("-") or c.startswith(folded)]
        if len(close) > 3:
            close = []
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    return f" (did you mean {', '.join(map(repr, close[:-1]))} or {close[-1]!r}?)"


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message: shortened, and safe for any value (a number with thousands
    of digits cannot be turned into text; a broken ``__repr__`` must not hide the real problem)."""
    if type(value) is int and not -10**limit < value < 10**limit:
        return f"a number with {len(hex(value)) * 1.2:.0f}+ digits"  # no str(): the int-str limit
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any object a library caller passes
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 5] + "..." + text[-2:]


def is_blank(value: Any) -> bool:
    """Not given: None, empty text, NaN, or pandas' NA / NaT (duck-typed: no pandas import).

    This is how data tools write an empty cell, so it means "not answered" everywhere.
    """
    if value is None or (type(value) is str and value == ""):
        return True
    if isinstance(value, float):
        return value != value  # NaN
    return type(value).__name__ in ("NAType", "NaTType")


def parse_duration(text: Any) -> int:
    """``"3w"`` -> 21 days; see ``_parse_duration_text``. Anything but text is refused."""
    if not isinstance(text, str):
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{show(text)} is not a duration")
    if len(text) > 40:  # never a duration; kept out of the cache (bounded by size, not only count)
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{show(text)} is not a duration")
    return _parse_duration_text(text)


@lru_cache(maxsize=4096)  # keys are at most 40 characters long (see parse_duration)
def _parse_duration_text(text: str) -> int:
    """``"3w"`` -> 21 days. Accepts ``3d 2w 4m 1y`` and ``3 days``/``2 weeks``/... forms.

    Raises AnswerError for no unit, an unknown unit, a negative or fractional number,
    or more than 100 years.
    """
    m = _DURATION.fullmatch(text)
    if not m:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is not a duration")
    sign, number, unit = m.groups()
    if sign == "-":
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is negative")
    if "." in number or "," in number:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is not a whole number")
    if not unit:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} has no unit")
    days_per = UNITS.get(unit.lower())
    if days_per is None:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{unit!r} in {text!r} is not a unit")
    days = int(number) * days_per
    if days > MAX_DURATION_DAYS:
        raise AnswerError("duration", text, DURATION_ACCEPTED, f"{text!r} is more than 100 years")
    return days


def format_duration(days: int) -> str:
    """21 -> '3 weeks'; for people reading a summary."""
    for unit, size in (("year", 365), ("month", 30), ("week", 7)):
        if days >= size and days % size == 0:
            n = days // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "began today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"


def parse_choice(question: Question, value: Any) -> str:
    if isinstance(value, str):
        word = _word(value)
        if word in question.choices:
            return word
        if word in question.aliases:
            return question.aliases[word]
    problem = f"{show(value)} is not accepted" + _suggest(question, value)
    raise AnswerError(question.key, value, question.accepted(), problem)


_SEPARATORS = re.compile(r"[;,|]")


def split_items(text: str) -> list[str]:
    """The items of a list written as text, however a person or a data tool wrote it.

    ``fever;rash``, ``fever, rash``, ``fever|rash`` and a list as pandas writes it into a CSV
    cell, ``['fever', 'rash']``, all give ``['fever', 'rash']``.
    """
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [w for w in (p.strip().strip("\"'").strip() for p in _SEPARATORS.split(text)) if w]


def _as_list(values: Any) -> Any:
    """A list of the items of ``values``; ``values`` itself when it is not a list of any kind."""
    if hasattr(values, "tolist") and not isinstance(values, str):
        values = values.tolist()  # a numpy array or pandas Series, as data tools hold lists
    if isinstance(values, str):
        return split_items(values)
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        return values
    return [w for v in values for w in ((split_items(v) or [v]) if isinstance(v, str) else (v,))]


def parse_set(question: Question, values: Any) -> frozenset[str]:
    """A list (or a ';'/','-separated string) of choices -> a frozenset of canonical values.

    An item of a list may itself hold several values separated by ';' or ',' (as a CSV cell
    or one ``--red-flag fever,rash`` does): read the same way everywhere.
    """
    if question.key == "red_flags" and not isinstance(values, str) and is_blank(values):
        raise not_answered(values)
    if values is None:
        raise AnswerError(question.key, values, question.accepted(), "no value given")
    items = _as_list(values)
    if not isinstance(items, list):
        raise AnswerError(question.key, values, question.accepted(),
                          f"{show(values)} is not a list" + _suggest(question, values))
    if question.key == "red_flags" and any(type(v) is str and v.strip().lower() == "none" for v in items):
        if len(items) == 1:
            if items[0].strip() == "None":  # Python's and pandas' spelling of a missing value
                raise not_answered(values)
            return frozenset()  # "none": no warning sign, said in words
        raise AnswerError(question.key, values, NONE_ACCEPTED,
                          f"'none' cannot go with signs in {show(values)}; give the signs, or 'none' alone")
    return frozenset(parse_choice(question, v) for v in items)


NONE_ACCEPTED = 'give the ids of the signs present, or [] or "none" when no warning sign applies'


def not_answered(value: Any) -> AnswerError:
    """``red_flags`` given as null, NaN, None or pandas' NA (or the text ``None``, as Python and
    pandas write a missing value): not answered, which is never read as "none"."""
    what = "how Python and pandas write a missing value" if isinstance(value, str) else "a missing value"
    return AnswerError("red_flags", value, NONE_ACCEPTED,
                       f"not answered ({show(value)} is {what}, never read as no warning signs)")


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _number_like(value: Any) -> bool:
    """An int or float of any library (numpy, pandas), but not a bool of any library."""
    kind = type(value)
    return kind is not bool and kind.__name__ not in ("bool_", "bool") and (
        hasattr(kind, "__index__") or hasattr(kind, "is_integer") or isinstance(value, float))


def parse_bool(question: Question, value: Any) -> bool:
    """True/False, numpy or pandas booleans, 1/0 (also 1.0/0.0, as data tools write them), or words."""
    if isinstance(value, bool):
        return value
    if type(value).__name__ in ("bool_", "bool"):  # numpy's bool, e.g. from a pandas DataFrame
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    elif _number_like(value):
        try:
            if value == 1 or value == 0:
                return bool(value == 1)
        except Exception:  # noqa: BLE001 - an odd number type: refused below
            pass
    raise AnswerError(question.key, value, question.accepted(), f"{show(value)} is not yes or no")


def parse_int(question: Question, value: Any) -> int:
    """A whole number: an int of any library, a float with no fraction (3.0), or digits as text."""
    lo, hi = question.bounds or (0, 0)
    number: int | None = None
    kind = type(value)
    if kind is bool or kind.__name__ == "bool_":
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 20:  # more digits than any answer has; int() would refuse over 4300
            if text.lstrip("+-").isdigit():
                raise AnswerError(question.key, value, question.accepted(), f"{show(value)} is out of range")
        elif re.fullmatch(r"[+-]?\d+", text):
            number = int(text)
    elif hasattr(kind, "__index__"):
        try:
            number = value.__index__()  # numpy's integers, e.g. from a pandas DataFrame
        except Exception:  # noqa: BLE001 - refused below
            number = None
    elif isinstance(value, float) or hasattr(kind, "is_integer"):
        try:  # numpy's floats too; inf and nan have no whole value
            if value.is_integer():
                number = int(value)
        except Exception:  # noqa: BLE001 - refused below
            number = None
    if number is None:
        raise AnswerError(question.key, value, question.accepted(), f"{show(value)} is not a whole number")
    if not lo <= number <= hi:
        raise AnswerError(question.key, value, question.accepted(), f"{show(number)} is out of range")
    return number


def _is_normal(question: Question, value: Any) -> bool:
    """Already a normalised value (cheap check, so normalised answers are not parsed twice)."""
    kind = question.kind
    if kind == "set":
        return type(value) is frozenset and value <= question.choices.keys()
    if kind == "choice":
        return type(value) is str and value in question.choices
    if kind == "bool":
        return type(value) is bool
    lo, hi = question.bounds or (0, 0)
    return type(value) is int and lo <= value <= hi


def parse_answer(key: str, value: Any) -> Any:
    """One answer from outside (a flag, a prompt, a record) -> its normalised value."""
    question = QUESTIONS[key]
    if _is_normal(question, value):
        return value
    if key == "duration_days" and isinstance(value, str) and not value.strip().lstrip("+").isdigit():
        return parse_duration(value)
    if question.kind == "set":
        return parse_set(question, value)
    if question.kind == "choice":
        return parse_choice(question, value)
    if question.kind == "bool":
        return parse_bool(question, value)
    return parse_int(question, value)


def valid_signs(values: Any) -> frozenset[str]:
    """The red flags that can be read from a list with a bad item in it.

    Used only to let an emergency sign decide despite a typo next to it: the rules' tests
    on signs only ever match more with more signs, so what matches on these still would.
    Near misses count here too: a sign with a typographic dash or an invisible character, in
    bytes, in a nested list, or in a mapping (``_texts_in``); the value stays an error.
    """
    known = _known(QUESTIONS["red_flags"])
    out = set()
    try:
        for text in _texts_in(values):
            word = _near(text)
            if word in known:
                out.add(known[word])
    except Exception:  # noqa: BLE001 - an iterable that fails while read: the signs read so far
        pass
    return frozenset(out)


DURATION_BOTH = "give duration or duration_days (or both with the same number of days)"


def longer_than_life(days: int, age: int) -> bool:
    """True when the pain has lasted longer than the person has lived (in whole years of age)."""
    return days >= (age + 1) * 365


class AnswerParser:
    """Reads a record's raw answers into normalised values: the one answer parser.

    ``parse_each`` is what ``Answers.parse_each`` (and so ``triage``) and batch use. With a
    cache (``max_entries`` > 0), each text or list value parsed without error is remembered
    per answer, so a batch of records with the same few values parses each value once; the
    cache holds at most ``max_entries`` values and ``max_bytes`` characters of them, and
    starts afresh when either is reached. Only values that were accepted are kept, keyed by
    exactly the raw text (or the tuple of a list's texts), so a hit is always what parsing
    that value again would give.
    """

    def __init__(self, max_entries: int = 0, max_bytes: int = 1 << 20):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.caches: dict[str, dict[Any, Any]] = {key: {} for key in (*QUESTIONS, "duration")}
        self.size = 0

    def value(self, key: str, raw: Any) -> Any:
        """One raw, non-blank answer -> its normalised value (``key`` may be ``duration``)."""
        kind = type(raw)
        if kind is str or kind is list:
            cache = self.caches[key]
            try:
                ck = raw if kind is str else tuple(raw)
                hit = cache.get(ck)
            except TypeError:  # an unhashable item: parse it (and fail) below
                ck = hit = None
            if hit is not None:
                return hit
            value = self._parse(key, raw)
            if ck is not None and self.max_entries:
                size = len(raw) if kind is str else sum(len(v) for v in raw)  # accepted: all text
                if len(cache) >= self.max_entries or self.size + size > self.max_bytes:
                    for c in self.caches.values():
                        c.clear()
                    self.size = 0
                cache[ck] = value
                self.size += size
            return value
        return self._parse(key, raw)

    @staticmethod
    def _parse(key: str, raw: Any) -> Any:
        if key == "duration":
            return parse_duration(raw)  # text with a unit, always
        value = parse_answer(key, raw)
        if key == "location" and not value:
            raise AnswerError("location", raw, QUESTIONS["location"].accepted(), "at least one location is needed")
        return value

    def parse_each(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[AnswerError]]:
        """(normalised values by answer key, an error for each value that cannot be read).

        Blank values (``is_blank``) are not given, except that a blank ``red_flags`` means none
        present. ``duration`` (text) stands for ``duration_days``; with both, a blank one is
        ignored and two that agree are taken. Unknown keys are errors (``id`` is allowed).
        """
        values: dict[str, Any] = {}
        errors: list[AnswerError] = []
        both = "duration" in record and "duration_days" in record
        caches = self.caches
        rescued: frozenset[str] = frozenset()  # signs under a key that is not an answer's
        for key, raw in record.items():
            # Already seen, or already normal: the same value as parsing it again (see value()).
            kind = type(raw)
            if kind is str or kind is list:
                cache = caches.get(key)
                if cache is not None and not both:
                    try:
                        hit = cache.get(raw if kind is str else tuple(raw))
                    except TypeError:
                        hit = None
                    if hit is not None:
                        values[_NAMES[key]] = hit
                        continue
            elif kind is bool:
                if key in _BOOLS:
                    values[key] = raw
                    continue
            elif kind is int:
                bounds = _INTS.get(key)
                if bounds is not None and bounds[0] <= raw <= bounds[1] and not both:
                    values[key] = raw
                    continue
            if key == "id":
                continue
            if isinstance(raw, Iterator):  # read once: kept for valid_signs if it holds a bad item
                raw = list(raw)
                kind = list
            try:
                if raw is None or (kind is not list and is_blank(raw)):
                    if key == "red_flags":
                        if kind is not str:  # null, NaN, pandas' NA: not answered, never "none"
                            raise not_answered(raw)
                        values[key] = frozenset()  # an empty cell: none present
                    elif key not in QUESTIONS and key != "duration":
                        raise self.unknown(key, raw)
                    continue
                if key == "duration":
                    days = self.value(key, raw)
                    if both and "duration_days" in values and values["duration_days"] != days:
                        raise self.disagree(record)
                    values["duration_days"] = days
                elif key in QUESTIONS:
                    value = self.value(key, raw)
                    if key == "duration_days" and both and "duration_days" in values and values[key] != value:
                        raise self.disagree(record)
                    values[key] = value
                else:
                    raise self.unknown(key, raw)
            except AnswerError as exc:
                errors.append(exc)
                if key == "red_flags":
                    values[key] = valid_signs(raw)
                elif key not in QUESTIONS and key != "duration":  # a misspelt key: its signs are kept
                    rescued |= valid_signs(raw)
                elif key in ("duration", "duration_days") and both:
                    values.pop("duration_days", None)  # unknown: never one half of a disagreement
        if rescued:  # only ever beside an error: they can decide only when they give an emergency
            values["red_flags"] = values.get("red_flags", frozenset()) | rescued
        age, days = values.get("age"), values.get("duration_days")
        if age is not None and days is not None and longer_than_life(days, age):
            del values["age"], values["duration_days"]  # which one is wrong cannot be told
            errors.append(AnswerError("duration", days, "check the age and how long the pain has lasted",
                                      f"{format_duration(days)} of pain is longer than an age of {age}"))
        return values, errors

    @staticmethod
    def unknown(key: Any, raw: Any) -> AnswerError:
        return AnswerError(str(key) or "(a column with no name)", raw,
                           "accepted fields: id, duration, " + ", ".join(ANSWER_KEYS),
                           f"unknown field {show(key)}" + _field_suggestion(key, raw))

    @staticmethod
    def disagree(record: Mapping[str, Any]) -> AnswerError:
        text, days = record["duration"], record["duration_days"]
        return AnswerError("duration", text, DURATION_BOTH,
                           f"duration {show(text)} and duration_days {show(days)} disagree")


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_text(name).lower())


def _field_suggestion(key: Any, raw: Any) -> str:
    """`` (did you mean 'red_flags'?)`` for ``redFlags``, ``red flags``, ``RED_FLAG`` ..., or for
    any unknown key whose value holds a red-flag id; ``""`` when nothing is close."""
    fields_ = ("id", "duration", *ANSWER_KEYS)
    if isinstance(key, str) and len(key) <= 100:
        squashed = {_squash(f): f for f in fields_}
        word = _squash(key)
        close = squashed.get(word) or squashed.get(word + "s")
        if close is None and word:
            import difflib  # only on a mistake

            near = difflib.get_close_matches(word, list(squashed), n=1, cutoff=0.8)
            close = squashed[near[0]] if near else None
        if close is not None:
            return f" (did you mean {close!r}?)"
    return " (did you mean 'red_flags'?)" if valid_signs(raw) else ""


_NAMES = {**{key: key for key in QUESTIONS}, "duration": "duration_days"}
_BOOLS = frozenset(key for key, q in QUESTIONS.items() if q.kind == "bool")
_INTS = {key: q.bounds for key, q in QUESTIONS.items() if q.kind == "int" and q.bounds}
_PARSER = AnswerParser()  # no cache: library calls parse exactly what they are given


# --- the answers ------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    """``[f.name for f in fields(cls)]``, worked out once per class (it is on every record's path)."""
    return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class Answers:
    """Normalised answers. ``None`` means not asked (or not given)."""

    location: frozenset[str] | None = None
    duration_days: int | None = None
    radiation: str | None = None
    recurrent: bool | None = None
    limits_activities: bool | None = None
    age: int | None = None
    red_flags: frozenset[str] | None = None

    def __post_init__(self) -> None:
        # Library callers may pass plain lists and strings; normalise and check them here.
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if value is None:
                continue
            normal = parse_answer(name, value)
            if normal is not value:
                object.__setattr__(self, name, normal)
        if self.location is not None and not self.location:
            raise AnswerError("location", [], QUESTIONS["location"].accepted(), "at least one location is needed")

    @classmethod
    def from_mapping(cls, record: Mapping[str, Any]) -> "Answers":
        """Answers from a mapping with the keys of the JSON ``answers``.

        ``duration`` (text such as ``"3w"``) may stand for ``duration_days``. Unknown keys
        are refused so that a misspelt field is never silently ignored; ``id`` is allowed.
        Raises the first ``AnswerError``; ``parse_each`` gives all of them.
        """
        answers, errors = cls.parse_each(record)
        if errors:
            raise errors[0]
        return answers

    @classmethod
    def parse_each(cls, record: Mapping[str, Any]) -> tuple["Answers", list[AnswerError]]:
        """Every answer that can be read, and an error for each one that cannot (left unknown).

        Lets an emergency sign decide the result even when another answer is bad. The values
        are read by ``AnswerParser.parse_each``, the one parser batch uses too.
        """
        values, errors = _PARSER.parse_each(record)
        return cls(**values), errors

    def with_(self, **changes: Any) -> "Answers":
        return replace(self, **changes)

    def missing(self) -> list[str]:
        return [name for name in _field_names(type(self)) if getattr(self, name) is None]

    def as_dict(self) -> dict[str, Any]:
        """The JSON ``answers`` object: lists in vocabulary order, unasked answers null."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = [v for v in QUESTIONS[f.name].choices if v in value]
            out[f.name] = value
        return out
