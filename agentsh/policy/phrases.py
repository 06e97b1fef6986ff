"""Small helpers for the plain-words messages the family modules write."""

from __future__ import annotations


def singular(word: str) -> str:
    """`volumes` -> `volume`, `policies` -> `policy`: enough for CLI resource nouns."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
