"""The questions: each answer, the values it takes and their words, the red-flag ids in their
tiers, and the themed checklists the interview asks them in.

This is the vocabulary the rules are checked against (a condition on an answer or a value
not listed here is a load error). The words are what a person reads at the prompts, in
reports and in help; the ids are what scripts give (CONTRACT.md, "Red-flag ids").
"""

from __future__ import annotations

import re
from typing import Mapping, NamedTuple

from spinetriage.core.i18n import N_

# --- the vocabulary -------------------------------------------------------------------

LOCATIONS: dict[str, str] = {
    "neck": N_("neck (cervical spine)"),
    "mid-back": N_("mid-back, between the shoulder blades (thoracic spine)"),
    "lower-back": N_("lower back (lumbar spine)"),
}
LOCATION_ALIASES = {"cervical": "neck", "thoracic": "mid-back", "lumbar": "lower-back"}

RADIATION: dict[str, str] = {
    "none": N_("no, it stays in the back or neck"),
    "arms": N_("into one or both arms"),
    "legs": N_("into one or both legs"),
    "arms-and-legs": N_("into arms and legs"),
}

#: Since the last check (asked at a re-check, optional elsewhere), from "less" to "more": a rule
#: that matches one value must match the values after it too (rules/README.md, "Only upwards").
COURSE: dict[str, str] = {
    "better": N_("better"),
    "same": N_("about the same"),
    "worse": N_("worse"),
}

# The checklist answers (red-flag ids of CONTRACT.md, "Red-flag ids"), in three tiers.
# The words are what a person reads at the prompts, in reports and in help.
EMERGENCY_SIGNS: dict[str, str] = {
    "saddle-numbness": N_("numbness or tingling between your legs, around your genitals, back passage or buttocks"),
    "bladder-bowel": N_("new trouble starting to pee, leaking urine, or losing control of your bowels"),
    "sexual-dysfunction": N_("new loss of feeling in your genitals, or new erection or ejaculation problems"),
    "both-legs": N_("new pain, numbness, tingling or weakness in both legs"),
    "both-arms": N_("numbness, tingling or weakness in both arms or both hands that started or got worse "
                 "in the last few days"),
    "rapid-weakness": N_("weakness or numbness in your arms or legs that is getting worse quickly, "
                      "or a sudden loss of coordination"),
    "major-trauma": N_("the pain began after a serious injury: a crash at speed in a car, on a bike or motorbike, "
                    "a fall from 1 metre (3 feet) or higher, such as off a ladder or a wall, or down 5 or more "
                    "stairs, diving into shallow water, or a heavy blow to the head or neck"),
    "chest-pain": N_("chest pain or tightness; or pain in your chest, upper back, jaw or arm that comes on with "
                  "effort and settles within minutes of rest; or the pain comes with sweating, feeling sick "
                  "or breathlessness"),
    "sudden-severe": N_("the pain came on suddenly and severely for no reason (not while lifting, bending, "
                     "twisting or after an injury), at full strength within seconds or minutes, or it feels "
                     "tearing or ripping"),
    "faint-collapse": N_("you fainted or collapsed, or you feel faint, cold and clammy, or suddenly very unwell"),
    "meningitis-signs": N_("a fever with a stiff neck, or a fever with a bad headache and a dislike of bright light"),
    "stroke-signs": N_("face drooping, arm weakness, slurred speech, double vision, or a sudden severe headache, "
                    "now or in the last 2 weeks"),
    "abdominal-pulsing": N_("a throbbing or pulsing feeling in your belly"),
    "pregnancy-warning": N_("you are pregnant, with tightenings or pain that comes and goes in waves, constant "
                         "severe pain, a bump that feels hard and tender, bleeding, fluid leaking, or the baby "
                         "moving less"),
}
URGENT_SIGNS: dict[str, str] = {
    "fever": N_("a fever of 38 °C or more, or feeling hot and shivery"),
    "infection-risk": N_("you inject drugs; or have a weakened immune system (chemotherapy, long-term steroid "
                      "tablets or injections, not inhalers or creams; an organ transplant; HIV); or had spinal "
                      "surgery or an injection into the spine (including an epidural or lumbar puncture, but "
                      "not an epidural for childbirth) in the last 3 months; or a serious infection or a "
                      "hospital stay in the last 3 months (diabetes alone does not count)"),
    "cancer-history": N_("you have ever had cancer, including melanoma (basal cell and squamous cell skin "
                      "cancers, and pre-cancer cells such as CIN, do not count)"),
    "weight-loss": N_("you have lost weight without trying"),
    "night-pain": N_("constant pain that no rest or position eases; pain that wakes you every night whatever "
                  "position you lie in and does not ease when you get up and move about; or pain getting "
                  "steadily worse over weeks despite treatment"),
    "limb-weakness": N_("one arm or leg getting weaker: foot slapping, tripping, weak grip"),
    "clumsy-hands": N_("both your hands becoming numb or clumsy over weeks or months (dropping things, trouble "
                    "with buttons), or your walking becoming unsteady"),
    "fragility-fracture": N_("you have thin bones (osteoporosis) or take steroid tablets long-term, and new pain "
                          "began in the last few weeks after a minor fall, lift, cough or twist, or for no "
                          "reason"),
    "lump-deformity": N_("a new lump or swelling on your spine that you or others can see, or a change in the "
                      "shape of your back (a tender knot in a muscle is not one)"),
    "rash": N_("a new rash or blisters in a band on one side of your body, on or near the painful area"),
    "kidney-signs": N_("pain in one side below the ribs that comes in waves and spreads to the groin, pain or "
                    "burning when you pee, or blood in your pee"),
    "belly-pain": N_("pain in your belly (tummy) as well as the back pain"),
    "breathing-pain": N_("sharp pain in your chest or upper back when you breathe in, or coughing up blood"),
}
RISK_FACTORS: dict[str, str] = {
    "minor-injury": N_("the pain began after a fall, a knock or blow, or an accident that was not serious "
                    "(lifting or bending alone does not count)"),
    "blood-thinners": N_("you take blood thinners (such as warfarin, apixaban, rivaroxaban, edoxaban, dabigatran "
                      "or heparin injections), or have a bleeding disorder"),
    "stiff-spine": N_("you have ankylosing spondylitis, or a fused or very stiff spine (including after spinal "
                   "fusion surgery)"),
    "pregnant": N_("you are pregnant, or had a baby in the last 6 weeks"),
    "inflammatory-pain": N_("back pain that movement eases and rest does not, with morning stiffness over 30 "
                         "minutes, psoriasis, an inflamed eye (uveitis), Crohn's disease or colitis, or a "
                         "parent, brother or sister with ankylosing spondylitis"),
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


class Checklist(NamedTuple):
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
    Checklist("signs-nerves", N_("Emergency signs: nerves"), N_("First, safety. Do you have any of these now?"),
              ("saddle-numbness", "bladder-bowel", "sexual-dysfunction", "both-legs", "both-arms",
               "rapid-weakness"), True),
    Checklist("signs-heart", N_("Emergency signs: heart, blood vessels and head"), N_("Do you have any of these now?"),
              ("chest-pain", "sudden-severe", "faint-collapse", "abdominal-pulsing", "stroke-signs",
               "meningitis-signs", "pregnancy-warning"), True),
    Checklist("signs-injury", N_("Injury, bones and blood thinners"), N_("Do any of these apply to you?"),
              ("major-trauma", "minor-injury", "fragility-fracture", "stiff-spine", "blood-thinners"), True),
    Checklist("signs-health", N_("Infection, cancer and general health"), N_("Do any of these apply to you?"),
              ("fever", "infection-risk", "cancer-history", "weight-loss", "night-pain", "lump-deformity",
               "rash"), False),
    Checklist("signs-other", N_("Weakness, belly, breathing, pregnancy"), N_("Do any of these apply to you?"),
              ("limb-weakness", "clumsy-hands", "kidney-signs", "belly-pain", "breathing-pain", "pregnant",
               "inflammatory-pain"), False),
)

MAX_DURATION_DAYS = 100 * 365
AGE_RANGE = (1, 120)

#: The units of a duration in English: the rules files, their schema and FHIR read these only.
UNITS = {
    "d": 1, "day": 1, "days": 1,
    "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7,
    "m": 30, "mo": 30, "month": 30, "months": 30,
    "y": 365, "yr": 365, "yrs": 365, "year": 365, "years": 365,
}
#: The units a Spanish speaker writes, read by the answer parser in every language (flags,
#: prompts, batch, the library), written without accents (``días`` is read as ``dias``). No
#: short form means something else in English: ``d`` and ``m`` are days and months in both, ``s``
#: (semanas) and ``a`` (años) are not English units. ``año`` typed without its tilde, ``ano``, is
#: read as a year (after a number it can mean nothing else), and so is ``anio``.
SPANISH_UNITS = {
    "d": 1, "dia": 1, "dias": 1,
    "s": 7, "sem": 7, "semana": 7, "semanas": 7,
    "m": 30, "mes": 30, "meses": 30,
    "a": 365, "ano": 365, "anos": 365, "anio": 365, "anios": 365,
}
#: Every unit an answer may use: English and Spanish (the same letters mean the same in both).
ANSWER_UNITS = {**UNITS, **SPANISH_UNITS}
_DURATION = re.compile(r"\s*([+-]?)\s*(\d+(?:[.,]\d*)?|[.,]\d+)\s*([^\W\d_]*)\s*", re.IGNORECASE)
DURATION_ACCEPTED = N_(
    "use a whole number with a unit: 3d, 2w, 4m, 1y (or 3 days, 2 weeks, 1 month, 1 year); "
    "0d means it began today; at most 100 years"
)

#: The words each language shows for a value where the accepted values are listed (the parser
#: accepts them, and more, in every language: ``parse.SPANISH_WORDS``). English shows the ids.
SHOWN_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "es": {
        "location": {"neck": "cuello", "mid-back": "espalda media", "lower-back": "espalda baja"},
        "radiation": {"none": "no", "arms": "brazos", "legs": "piernas", "arms-and-legs": "brazos y piernas"},
        "course": {"better": "mejor", "same": "igual", "worse": "peor"},
    },
}


class Question(NamedTuple):
    """One answer: its key in the answers, its flag, its kind and accepted values."""

    key: str
    flag: str
    kind: str  # "set", "choice", "bool", "int"
    choices: Mapping[str, str] = {}  # value -> plain words (never changed: shared by default)
    aliases: Mapping[str, str] = {}
    bounds: tuple[int, int] | None = None
    #: Not needed for a result: a missing optional answer is never a missing answer (``course``).
    optional: bool = False

    def accepted(self) -> str:
        """What may be given, in the language in use (call it when the message is shown)."""
        from spinetriage.core.i18n import _

        if self.kind == "bool":
            return _("accepted: true or false (yes or no)")
        if self.key == "duration_days":
            return _(DURATION_ACCEPTED)
        if self.kind == "int":
            lo, hi = self.bounds or (0, 0)
            return _("accepted: a whole number from {low} to {high}").format(low=lo, high=hi)
        text = _("accepted: {values}").format(values=", ".join(self.choices))
        if self.aliases:
            text += _(" (also {aliases})").format(aliases=", ".join(f"{a} = {v}" for a, v in self.aliases.items()))
        words = self.words()
        if words != list(self.choices):
            text += _("; in words: {words}").format(words=", ".join(words))
        return text

    def words(self) -> list[str]:
        """The word shown for each value in the language in use: its id in English, the main
        Spanish word in Spanish (``cuello`` for ``neck``); the id where a language has none."""
        from spinetriage.core.i18n import current

        shown = SHOWN_WORDS.get(current(), {}).get(self.key, {})
        return [shown.get(value, value) for value in self.choices]

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
        Question("course", "--course", "choice", COURSE, optional=True),
    )
}
ANSWER_KEYS = tuple(QUESTIONS)
#: The answers every result needs (all but the optional ones).
REQUIRED_KEYS = tuple(key for key, q in QUESTIONS.items() if not q.optional)
