"""pygraph.symbolic: SymPy rules per op (rules.py) and textbook derivations (derive.py).

Imported on first use (SymPy takes a while to load), so `import pygraph` stays fast.
"""
