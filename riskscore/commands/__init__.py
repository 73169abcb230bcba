"""The command groups of the `riskscore` CLI, one module each, registered by riskscore.cli.

common.py holds what they share (options, date parsing, loading the package, errors).
"""
