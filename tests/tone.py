"""The words Attune's texts keep away from, shared by the tone tests of the catalogue and
of the learn cards, grounding and support texts (experience.md, "Words")."""

from __future__ import annotations

import re

GENDERED = r"\b(he|she|him|his|hers?|man|men|woman|women|boyfriend|girlfriend|husband|wife|"\
           r"penis|vagina|vulva|clitoris|testicles)\b"
CLINICAL = r"\b(intercourse|coitus|coital|genitalia|stimulation|foreplay|perform\w*)\b"
# The catalogue names activities: there "normal" judges what people like.
PRESSURE = r"\b(should|must|need to|have to|yet|finally|just try|normal)\b|!"

# Texts that comfort and explain may say that something is normal (setbacks are, and
# experience.md asks us to say so) and "you don't have to"; never push, hurry, or frame
# healing as progress a person is behind on.
_NOT = r"(?<!n't )(?<!never )(?<!no )"
URGING = (rf"\b(should|must|{_NOT}need to|{_NOT}have to|hurry|finally|just try|push through|"
          r"get over|move on|yet|progress|on track|behind|streak|goal)\b|!")
SHAMING = (r"\b(overreact\w*|too sensitive|crazy|broken|damaged|weak\w*|silly|dramatic|"
           r"hysteric\w*|frigid|selfish|blame\w*|fault)\b")
# Words a person may not know. A text may use one only while naming it ("people call
# this ..."), next to the plain words that say what it is.
JARGON = (r"\b(hyperarousal|hypervigilan\w*|dissociat\w*|depersonali[sz]\w*|dereali[sz]\w*|"
          r"numbing|flashbacks?|triggers?|triggered|fawn\w*|ptsd|psychoeducation|"
          r"dysregulat\w*|somatic|exposure|cognitive|window of tolerance|trauma-informed|"
          r"nervous system)\b")

SENTENCE_END = re.compile(r"(?<=[.?:;])\s+")


def sentences(text: str) -> list[str]:
    """The sentences (and clauses after a colon) of a text."""
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def problems(text: str, *, gendered: bool = True) -> list[str]:
    """What is wrong with the tone of one text, in words; empty when it reads well.
    `gendered=False` where a text states a fact about someone else, such as whom a
    helpline serves."""
    found = []
    checks = [("clinical", CLINICAL), ("urging", URGING), ("shaming", SHAMING)]
    if gendered:
        checks.append(("gendered", GENDERED))
    for name, pattern in checks:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            found.append(f"{name}: {match.group(0)!r}")
    for sentence in sentences(text):
        term = re.search(JARGON, sentence, re.IGNORECASE)
        if term and not re.search(r"\bcall", sentence, re.IGNORECASE):
            found.append(f"jargon not named as such: {term.group(0)!r}")
        if len(sentence.split()) > 30:
            found.append(f"a sentence of {len(sentence.split())} words")
    if text != text.strip() or "  " in text:
        found.append("stray spaces")
    return found
