"""Where a voice is redundant: Taylor importance, sensitivity curves and the seed's probes.

Public API (import from the modules; nothing here imports torch):

    sensitivity.taylor.taylor_importance(voice, groups, calibration, passes=4, seed=0)
        -> {group name: [[importance per unit] per block]}
    sensitivity.curves.sensitivity_curves(voice, groups, importance, calibration, fractions=...)
        -> {group name: [(fraction pruned, dB change), ...]}
    sensitivity.measure.Measurer(voice, calibration).masked_distance(group, removed) -> dB
    sensitivity.probes: head_probe, gate_activity, vocoder_weights
    sensitivity.analysis.analyze(voice, calibration, config) -> Analysis
    sensitivity.report: build_report, write_report, read_importance
"""
