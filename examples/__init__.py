"""Data package: the shipped example rounds."""
