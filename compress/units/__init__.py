"""Prunable units of a voice, shared by sensitivity analysis and pruning.

What a unit group is (groups.py), the groups of a Sambert + HiFi-GAN voice (voice_groups.py),
silencing units in place (masking.py), which units a score keeps (ranking.py) and what each
weight costs at inference (compute.py). Layering: compress.prune -> sensitivity -> compress.units;
nothing here imports either of them.
"""
