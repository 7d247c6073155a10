"""Data package: the shipped questionnaire, Tabelle 1 definition and e-mail texts."""
